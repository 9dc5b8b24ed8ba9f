import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FleetRejectCode, FoldListener, FoldPhase } from './fleet-fold.js';

/** The fleet fold's series, on the enforcer's registry (window keys held: thoth_enforcer_window_keys). */
export class FleetMetrics implements FoldListener {
  readonly #propagation: Histogram;
  readonly #folded: Counter<'phase'>;
  readonly #rejected: Counter<'code'>;

  constructor(registry: Registry, lagMessages: () => number | null) {
    const registers = [registry];
    new Gauge({
      name: 'thoth_enforcer_fleet_lag_messages',
      help: "Messages of the decisions topic not yet read by the fleet fold, against the topic's end offsets read at most a second ago.",
      registers,
      collect() {
        const lag = lagMessages();
        if (lag !== null) this.set(lag);
      },
    });
    this.#propagation = new Histogram({
      name: 'thoth_enforcer_fleet_propagation_seconds',
      help: "Time from a peer's decision (its decided_at) to its window counters folded here, for decisions read while following.",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.#folded = new Counter({
      name: 'thoth_enforcer_fleet_folded_total',
      help: "Peers' decisions whose window counters were folded, by phase: rebuild (read before ready) or follow.",
      labelNames: ['phase'],
      registers,
    });
    this.#rejected = new Counter({
      name: 'thoth_enforcer_fleet_rejected_total',
      help: "Peers' decisions (or, for FLEET_FOREIGN_KEY, FLEET_QUOTA_FULL and FLEET_WINDOW_MISMATCH, updates) not folded, by code: the receipt's (receipt.*) or FLEET_*.",
      labelNames: ['code'],
      registers,
    });
  }

  folded(phase: FoldPhase, propagationMs: number): void {
    this.#folded.inc({ phase });
    if (phase === 'follow') this.#propagation.observe(Math.max(0, propagationMs) / 1000);
  }

  rejected(code: FleetRejectCode, count: number): void {
    this.#rejected.inc({ code }, count);
  }
}
