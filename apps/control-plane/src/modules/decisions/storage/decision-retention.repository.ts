import { decisionRecords } from '@thoth/db';
import { and, asc, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase } from '../../../platform/database/tenant-database.js';

/** A tenant's retention, as the retention job reads it across tenants. */
export interface TenantRetention {
  readonly tenantId: string;
  readonly decisionDays: number;
  readonly argumentDays: number;
}

/**
 * What the retention job changes in the decision read model, one bounded batch per transaction
 * under the tenant's RLS (thoth_app may delete records and clear their arguments, nothing else).
 */
export class DecisionRetentionRepository {
  constructor(private readonly database: TenantDatabase) {}

  /** Across tenants (SECURITY DEFINER thoth_retention_tenants): a page of tenants' retention, by tenant id after `after`. */
  async tenants(after: string | undefined, limit: number): Promise<TenantRetention[]> {
    return this.database.transaction(null, async (tx) => {
      const result = await tx.execute(
        sql`SELECT tenant_id, decision_retention_days, argument_retention_days FROM thoth_retention_tenants(${after ?? null}::uuid, ${limit})`,
      );
      return rowsOf<{ tenant_id: string; decision_retention_days: number; argument_retention_days: number }>(result).map((r) => ({
        tenantId: r.tenant_id,
        decisionDays: Number(r.decision_retention_days),
        argumentDays: Number(r.argument_retention_days),
      }));
    });
  }

  /** Deletes up to `limit` of the tenant's decisions decided before `before`, oldest first; how many. */
  async deleteDecidedBefore(tenantId: string, before: Date, limit: number): Promise<number> {
    return this.database.transaction(tenantId, async (tx) => {
      const c = decisionRecords;
      const batch = tx
        .select({ decisionId: c.decisionId })
        .from(c)
        .where(and(eq(c.tenantId, tenantId), lt(c.decidedAt, before)))
        .orderBy(asc(c.decidedAt))
        .limit(limit);
      const deleted = await tx
        .delete(c)
        .where(and(eq(c.tenantId, tenantId), inArray(c.decisionId, batch)))
        .returning({ decisionId: c.decisionId });
      return deleted.length;
    });
  }

  /** Clears the retained arguments of up to `limit` of the tenant's decisions decided before `before`; how many. */
  async clearArgumentsBefore(tenantId: string, before: Date, limit: number): Promise<number> {
    return this.database.transaction(tenantId, async (tx) => {
      const c = decisionRecords;
      const batch = tx
        .select({ decisionId: c.decisionId })
        .from(c)
        .where(and(eq(c.tenantId, tenantId), isNotNull(c.arguments), lt(c.decidedAt, before)))
        .orderBy(asc(c.decidedAt))
        .limit(limit);
      const cleared = await tx
        .update(c)
        .set({ arguments: null })
        .where(and(eq(c.tenantId, tenantId), inArray(c.decisionId, batch)))
        .returning({ decisionId: c.decisionId });
      return cleared.length;
    });
  }
}
