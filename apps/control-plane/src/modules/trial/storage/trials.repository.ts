import { trials, type NewTrialRow, type TrialRow } from '@thoth/db';
import { eq, sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase, type Tx } from '../../../platform/database/tenant-database.js';

/** The trial read model: written by the projection (inside the append), read by the scheduler and GET /v1/tenant. */
export class TrialsRepository {
  constructor(private readonly database: TenantDatabase) {}

  async find(tenantId: string): Promise<TrialRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(trials).where(eq(trials.tenantId, tenantId));
      return row;
    });
  }

  /**
   * Across tenants (SECURITY DEFINER thoth_due_trials, tenant ids only): trials ended by `now`
   * whose report is missing and was never claimed, or last claimed at or before `retryBefore`.
   */
  async due(now: Date, retryBefore: Date, limit: number): Promise<string[]> {
    return this.database.transaction(null, async (tx) => {
      const result = await tx.execute(sql`SELECT thoth_due_trials AS tenant_id FROM thoth_due_trials(${now.toISOString()}::timestamptz, ${retryBefore.toISOString()}::timestamptz, ${limit})`);
      return rowsOf<{ tenant_id: string }>(result).map((r) => r.tenant_id);
    });
  }

  static async insert(tx: Tx, row: NewTrialRow): Promise<void> {
    await tx.insert(trials).values(row);
  }

  static async update(tx: Tx, tenantId: string, change: Partial<NewTrialRow>): Promise<void> {
    await tx.update(trials).set(change).where(eq(trials.tenantId, tenantId));
  }
}
