import { policies, policyVersions, type NewPolicyRow, type NewPolicyVersionRow, type PolicyRow, type PolicyVersionRow } from '@thoth/db';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';

/** The policy read models: written by the projection (inside the append), read by queries. */
export class PoliciesRepository {
  constructor(private readonly database: TenantDatabase) {}

  async findCurrent(tenantId: string): Promise<{ policy: PolicyRow; current: PolicyVersionRow } | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [policy] = await tx.select().from(policies).where(eq(policies.tenantId, tenantId));
      if (!policy) return undefined;
      const [current] = await tx
        .select()
        .from(policyVersions)
        .where(and(eq(policyVersions.tenantId, tenantId), eq(policyVersions.version, policy.currentVersion)));
      return current ? { policy, current } : undefined;
    });
  }

  async findVersions(tenantId: string, versions: readonly number[]): Promise<PolicyVersionRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select()
        .from(policyVersions)
        .where(and(eq(policyVersions.tenantId, tenantId), inArray(policyVersions.version, [...versions]))),
    );
  }

  async listVersions(tenantId: string): Promise<PolicyVersionRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx.select().from(policyVersions).where(eq(policyVersions.tenantId, tenantId)).orderBy(asc(policyVersions.version)),
    );
  }

  static async upsertPolicy(tx: Tx, row: NewPolicyRow): Promise<void> {
    const { tenantId: _, ...change } = row;
    await tx.insert(policies).values(row).onConflictDoUpdate({ target: policies.tenantId, set: change });
  }

  static async updatePolicy(tx: Tx, tenantId: string, change: Partial<NewPolicyRow>): Promise<void> {
    await tx.update(policies).set(change).where(eq(policies.tenantId, tenantId));
  }

  static async insertVersion(tx: Tx, row: NewPolicyVersionRow): Promise<void> {
    await tx.insert(policyVersions).values(row);
  }
}
