import type { DecisionRecord } from '../../decisions/index.js';

/** Source regions kept per (credential, agent). */
export const MAX_USAGE_REGIONS = 32;

/** What a batch of decisions adds to one (credential fingerprint, agent) pair of the inventory. */
export interface UsageDelta {
  readonly fingerprint: string;
  readonly agentId: string;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly calls: number;
  /** Denied, or denied in shadow mode (would_deny). */
  readonly denied: number;
  /** Sorted, at most MAX_USAGE_REGIONS. */
  readonly regions: readonly string[];
  /** The pair's latest decision in the batch. */
  readonly lastDecisionId: string;
}

/**
 * Whether a decision says which agent used which credential: it carried a fingerprint and
 * was evaluated (the agent authenticated). Requests refused before evaluation (unknown agent,
 * bad token, malformed) name an agent nobody vouched for, so they do not count.
 */
export function countsTowardInventory(r: DecisionRecord): boolean {
  return r.credentialFingerprint !== '' && (r.errorCode === '' || r.errorCode === 'EVALUATION_ERROR');
}

/**
 * Folds decisions, one at a time, into one delta per (fingerprint, agent): the ingest hook's
 * batches, and a shadow report's window (the usage its credential findings are built from).
 */
export class UsageTally {
  readonly #pairs = new Map<string, { fingerprint: string; agentId: string; first: DecisionRecord; last: DecisionRecord; calls: number; denied: number; regions: Set<string> }>();

  add(r: DecisionRecord): void {
    if (!countsTowardInventory(r)) return;
    const key = `${r.credentialFingerprint}\u0000${r.agentId}`;
    let p = this.#pairs.get(key);
    if (p === undefined) this.#pairs.set(key, (p = { fingerprint: r.credentialFingerprint, agentId: r.agentId, first: r, last: r, calls: 0, denied: 0, regions: new Set() }));
    p.calls++;
    if (r.outcome !== 'allow') p.denied++;
    if (r.decidedAt < p.first.decidedAt) p.first = r;
    if (r.decidedAt > p.last.decidedAt || (r.decidedAt.getTime() === p.last.decidedAt.getTime() && r.decisionId > p.last.decisionId)) p.last = r;
    if (r.sourceRegion !== '' && p.regions.size < MAX_USAGE_REGIONS) p.regions.add(r.sourceRegion);
  }

  /** In key order (the upsert's lock order). */
  deltas(): UsageDelta[] {
    return [...this.#pairs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, p]) => ({
        fingerprint: p.fingerprint,
        agentId: p.agentId,
        firstSeenAt: p.first.decidedAt,
        lastSeenAt: p.last.decidedAt,
        calls: p.calls,
        denied: p.denied,
        regions: [...p.regions].sort(),
        lastDecisionId: p.last.decisionId,
      }));
  }
}

/** Folds decisions into one delta per (fingerprint, agent), in key order (the upsert's lock order). */
export function usageOf(records: readonly DecisionRecord[]): UsageDelta[] {
  const tally = new UsageTally();
  for (const r of records) tally.add(r);
  return tally.deltas();
}
