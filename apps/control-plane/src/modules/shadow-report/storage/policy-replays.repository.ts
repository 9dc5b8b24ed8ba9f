import { policyReplays, type NewPolicyReplayRow, type PolicyReplayRow } from '@thoth/db';
import { and, desc, eq } from 'drizzle-orm';
import type { TenantDatabase } from '../../../platform/database/tenant-database.js';

export type PolicyReplaySummaryRow = Omit<PolicyReplayRow, 'result' | 'candidateSource'>;

/** Stored policy replays: inserted once, read under the tenant's RLS. */
export class PolicyReplaysRepository {
  constructor(private readonly database: TenantDatabase) {}

  async insert(row: NewPolicyReplayRow): Promise<void> {
    await this.database.transaction(row.tenantId, (tx) => tx.insert(policyReplays).values(row));
  }

  async find(tenantId: string, replayId: string): Promise<PolicyReplayRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(policyReplays)
        .where(and(eq(policyReplays.tenantId, tenantId), eq(policyReplays.replayId, replayId)));
      return row;
    });
  }

  /** Newest first, without candidates and results. */
  async list(tenantId: string, limit: number): Promise<PolicyReplaySummaryRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select({
          replayId: policyReplays.replayId,
          tenantId: policyReplays.tenantId,
          windowFrom: policyReplays.windowFrom,
          windowTo: policyReplays.windowTo,
          requestedAt: policyReplays.requestedAt,
          requestedBy: policyReplays.requestedBy,
          candidateFormat: policyReplays.candidateFormat,
          candidateHash: policyReplays.candidateHash,
          calls: policyReplays.calls,
          changed: policyReplays.changed,
          schemaVersion: policyReplays.schemaVersion,
        })
        .from(policyReplays)
        .where(eq(policyReplays.tenantId, tenantId))
        .orderBy(desc(policyReplays.requestedAt), desc(policyReplays.replayId))
        .limit(limit),
    );
  }
}
