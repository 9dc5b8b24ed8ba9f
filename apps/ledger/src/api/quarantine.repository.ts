import type { SqlSession } from '@thoth/db';

export interface QuarantinedDecisionView {
  decisionId: string | null;
  reasonCode: string;
  reason: string;
  keyId: string | null;
  /** Where the message was read: `topic/partition@offset`. */
  source: string;
  quarantinedAt: string;
  /** Let out once its key arrived: appended at `seq`, or found already in the log. */
  released: { outcome: 'folded' | 'duplicate'; seq: number | null; releasedAt: string } | null;
}

export interface QuarantineView {
  tenantId: string;
  /** Every quarantined decision of the tenant, by reason (released ones included). */
  counts: Record<string, number>;
  /** Still held (not released). */
  held: number;
  /** The most recent, newest first. */
  items: QuarantinedDecisionView[];
}

/** The tenant's quarantined decisions (run under the reader role and row-level security). */
export async function readQuarantine(db: Pick<SqlSession, 'query'>, tenantId: string, limit: number): Promise<QuarantineView> {
  const counts = await db.query<{ reason_code: string; n: string; held: string }>(
    `SELECT q.reason_code, count(*)::text AS n, count(*) FILTER (WHERE r.quarantine_id IS NULL)::text AS held
       FROM ledger_quarantine q LEFT JOIN ledger_quarantine_releases r ON r.quarantine_id = q.id
      WHERE q.tenant_id = $1 GROUP BY q.reason_code ORDER BY q.reason_code`,
    [tenantId],
  );
  const rows = await db.query<{
    decision_id: string | null;
    reason_code: string;
    reason: string;
    key_id: string | null;
    topic: string;
    partition: number;
    offset: string;
    quarantined_at: Date;
    outcome: 'folded' | 'duplicate' | null;
    seq: string | null;
    released_at: Date | null;
  }>(
    `SELECT q.decision_id, q.reason_code, q.reason, q.key_id, q.topic, q.partition, q."offset"::text, q.quarantined_at, r.outcome, r.seq::text, r.released_at
       FROM ledger_quarantine q LEFT JOIN ledger_quarantine_releases r ON r.quarantine_id = q.id
      WHERE q.tenant_id = $1 ORDER BY q.id DESC LIMIT $2`,
    [tenantId, limit],
  );
  return {
    tenantId,
    counts: Object.fromEntries(counts.map((c) => [c.reason_code, Number(c.n)])),
    held: counts.reduce((sum, c) => sum + Number(c.held), 0),
    items: rows.map((r) => ({
      decisionId: r.decision_id,
      reasonCode: r.reason_code,
      reason: r.reason,
      keyId: r.key_id,
      source: `${r.topic}/${r.partition}@${r.offset}`,
      quarantinedAt: new Date(r.quarantined_at).toISOString(),
      released: r.outcome === null ? null : { outcome: r.outcome, seq: r.seq === null ? null : Number(r.seq), releasedAt: new Date(r.released_at!).toISOString() },
    })),
  };
}
