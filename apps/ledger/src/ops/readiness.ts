import { withTimeout, type NotReady } from '@thoth/ops';
import type { ConsumerMembership } from '../consume/decision-consumer.js';

export interface LedgerStatus {
  readonly ready: boolean;
  /** The first thing not ready (null: ready). */
  readonly notReady: NotReady | null;
  readonly database: { readonly reachable: boolean };
  readonly consumer: ConsumerMembership;
  readonly checkpointer: { readonly running: boolean; readonly ageSeconds: number | null };
}

export interface LedgerReadinessSources {
  readonly probeDatabase: () => Promise<unknown>;
  /** undefined: the consumer is not started yet. */
  readonly membership: () => ConsumerMembership | undefined;
  readonly checkpointer: () => { running: boolean; lastRoundAt: number | undefined };
  /** A round older than this and the checkpointer counts as stuck. */
  readonly maxCheckpointAgeMs: number;
  readonly now?: () => number;
}

const PROBE_TIMEOUT_MS = 2_000;

/**
 * The ledger worker is ready when its database answers, its consumer is in its group (it may fold),
 * and its checkpointer completes rounds. Each is checked when asked (/readyz).
 */
export class LedgerReadiness {
  #last = false;

  constructor(private readonly sources: LedgerReadinessSources) {}

  get ready(): boolean {
    return this.#last;
  }

  async status(): Promise<LedgerStatus> {
    const now = (this.sources.now ?? Date.now)();
    const problems: NotReady[] = [];
    let reachable = true;
    try {
      await withTimeout(this.sources.probeDatabase(), PROBE_TIMEOUT_MS, 'the database');
    } catch (error) {
      reachable = false;
      problems.push({ code: 'DATABASE_UNREACHABLE', reason: error instanceof Error ? error.message : String(error) });
    }
    const membership = this.sources.membership() ?? { joined: false, partitions: [] };
    if (!membership.joined) problems.push({ code: 'CONSUMER_NOT_JOINED', reason: 'the decision consumer is not in its group (starting, rebalancing, or crashed)' });
    const checkpointer = this.sources.checkpointer();
    const ageMs = checkpointer.lastRoundAt === undefined ? undefined : now - checkpointer.lastRoundAt;
    if (!checkpointer.running) problems.push({ code: 'CHECKPOINTER_STOPPED', reason: 'the checkpointer is not running' });
    else if (ageMs === undefined || ageMs > this.sources.maxCheckpointAgeMs) {
      problems.push({ code: 'CHECKPOINTER_BEHIND', reason: `no checkpoint round completed in the last ${this.sources.maxCheckpointAgeMs} ms` });
    }
    this.#last = problems.length === 0;
    return {
      ready: this.#last,
      notReady: problems[0] ?? null,
      database: { reachable },
      consumer: membership,
      checkpointer: { running: checkpointer.running, ageSeconds: ageMs === undefined ? null : ageMs / 1000 },
    };
  }
}
