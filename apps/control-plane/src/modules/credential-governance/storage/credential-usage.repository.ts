import { credentialUsage } from '@thoth/db';
import { asc, eq, sql } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';
import type { UsageRecord } from '../domain/credential-inventory.js';
import { MAX_USAGE_REGIONS, type UsageDelta } from '../domain/credential-usage.js';

// 10 parameters a row.
const UPSERT_CHUNK = 1000;

/** The credential inventory's usage rows: added to by the ingest hook, read by the inventory query. */
export class CredentialUsageRepository {
  constructor(private readonly database: TenantDatabase) {}

  async list(tenantId: string): Promise<UsageRecord[]> {
    const t = credentialUsage;
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select({
          fingerprint: t.fingerprint,
          agentId: t.agentId,
          firstSeenAt: t.firstSeenAt,
          lastSeenAt: t.lastSeenAt,
          calls: t.calls,
          denied: t.denied,
          regions: t.regions,
          lastDecisionId: t.lastDecisionId,
        })
        .from(t)
        .where(eq(t.tenantId, tenantId))
        .orderBy(asc(t.fingerprint), asc(t.agentId)),
    );
  }

  /**
   * Adds a batch's deltas inside the ingest transaction: a new pair is inserted, a known one
   * widened (first/last seen), counted up and its regions merged (sorted, at most 32). Deltas
   * come in key order, so concurrent batches lock rows in the same order.
   */
  static async record(tx: Tx, tenantId: string, deltas: readonly UsageDelta[]): Promise<void> {
    const t = credentialUsage;
    for (let i = 0; i < deltas.length; i += UPSERT_CHUNK) {
      const chunk = deltas.slice(i, i + UPSERT_CHUNK);
      await tx
        .insert(t)
        .values(chunk.map((d) => ({ tenantId, ...d, regions: [...d.regions] })))
        .onConflictDoUpdate({
          target: [t.tenantId, t.fingerprint, t.agentId],
          set: {
            firstSeenAt: sql`least(${t.firstSeenAt}, excluded.first_seen_at)`,
            lastSeenAt: sql`greatest(${t.lastSeenAt}, excluded.last_seen_at)`,
            calls: sql`${t.calls} + excluded.calls`,
            denied: sql`${t.denied} + excluded.denied`,
            regions: sql`(SELECT coalesce(jsonb_agg(r ORDER BY r), '[]'::jsonb) FROM (SELECT DISTINCT r FROM jsonb_array_elements_text(${t.regions} || excluded.regions) AS x(r) ORDER BY r LIMIT ${sql.raw(String(MAX_USAGE_REGIONS))}) AS s)`,
            lastDecisionId: sql`CASE WHEN excluded.last_seen_at >= ${t.lastSeenAt} THEN excluded.last_decision_id ELSE ${t.lastDecisionId} END`,
          },
        });
    }
  }
}
