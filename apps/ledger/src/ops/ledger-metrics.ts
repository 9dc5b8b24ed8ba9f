import { collectProcessMetrics } from '@thoth/ops';
import { Counter, Gauge, Registry } from 'prom-client';
import type { FoldOutcome } from '../fold/decision-folder.js';

/** What the gauges read at scrape time. */
export interface LedgerMetricSources {
  readonly checkpointer: () => { lastRoundAt: number | undefined; failedRounds: number; signed: number };
  readonly anchorFailures: () => number;
  /** Per partition, messages past the group's stored offset (undefined: no topic, the in-process source). */
  readonly lag: () => Promise<ReadonlyArray<{ partition: number; messages: number }> | undefined>;
  readonly ready: () => boolean;
  readonly onLagError?: (error: unknown) => void;
  readonly now?: () => number;
}

/**
 * The ledger's Prometheus metrics (docs/telemetry-metrics.md), on a registry of its own. Labels are
 * partitions and reason codes only: never a tenant (the operations listener is unauthenticated).
 */
export class LedgerMetrics {
  readonly registry = new Registry();
  readonly #folded: Counter<'partition'>;
  readonly #quarantined: Counter<'reason'>;
  readonly #duplicates: Counter;

  constructor(sources: LedgerMetricSources, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const now = sources.now ?? Date.now;
    if (options.processMetrics !== false) collectProcessMetrics(this.registry);
    this.#folded = new Counter({
      name: 'thoth_ledger_decisions_folded_total',
      help: "Decisions appended to their tenant's log by this worker, per partition of the decisions topic.",
      labelNames: ['partition'],
      registers,
    });
    this.#quarantined = new Counter({
      name: 'thoth_ledger_decisions_quarantined_total',
      help: 'Messages put in ledger_quarantine instead of a log, by reason: the receipt.* code of a decision not believed, or malformed (undecodable, unstorable, a conflicting copy).',
      labelNames: ['reason'],
      registers,
    });
    this.#duplicates = new Counter({
      name: 'thoth_ledger_decisions_duplicate_total',
      help: 'Redelivered decisions already in the ledger (nothing appended).',
      registers,
    });
    new Gauge({
      name: 'thoth_ledger_partition_lag_messages',
      help: "Messages on each partition of the decisions topic past the group's next offset stored in Postgres (every worker reports the whole group's; measured at scrape).",
      labelNames: ['partition'],
      registers,
      async collect() {
        this.reset();
        try {
          for (const { partition, messages } of (await sources.lag()) ?? []) this.set({ partition: String(partition) }, messages);
        } catch (error) {
          sources.onLagError?.(error);
        }
      },
    });
    new Gauge({
      name: 'thoth_ledger_checkpoint_age_seconds',
      help: 'Seconds since a checkpoint round last left every folded entry under a signed, anchored checkpoint (-1: none yet).',
      registers,
      collect() {
        const at = sources.checkpointer().lastRoundAt;
        this.set(at === undefined ? -1 : Math.max(0, now() - at) / 1000);
      },
    });
    new Counter({
      name: 'thoth_ledger_checkpoints_signed_total',
      help: 'Checkpoints signed and anchored (one per tenant whose log grew, per round).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.checkpointer().signed);
      },
    });
    new Counter({
      name: 'thoth_ledger_checkpoint_round_failures_total',
      help: 'Checkpoint rounds that failed (the database, the anchor); each is retried the next round.',
      registers,
      collect() {
        this.reset();
        this.inc(sources.checkpointer().failedRounds);
      },
    });
    new Counter({
      name: 'thoth_ledger_anchor_failures_total',
      help: 'Checkpoint writes the anchor refused or failed (outside the database: a full disk, a conflicting checkpoint).',
      registers,
      collect() {
        this.reset();
        this.inc(sources.anchorFailures());
      },
    });
    new Gauge({
      name: 'thoth_ledger_ready',
      help: '1 when this worker is ready (/readyz): database reachable, consumer in its group, checkpointer running.',
      registers,
      collect() {
        this.set(sources.ready() ? 1 : 0);
      },
    });
  }

  /** One committed batch of a partition. */
  folded(outcome: FoldOutcome, partition: number): void {
    if (outcome.folded > 0) this.#folded.inc({ partition: String(partition) }, outcome.folded);
    if (outcome.duplicates > 0) this.#duplicates.inc(outcome.duplicates);
    let untrusted = 0;
    for (const [reason, n] of Object.entries(outcome.untrusted)) {
      untrusted += n;
      this.#quarantined.inc({ reason }, n);
    }
    if (outcome.quarantined > untrusted) this.#quarantined.inc({ reason: 'malformed' }, outcome.quarantined - untrusted);
  }
}
