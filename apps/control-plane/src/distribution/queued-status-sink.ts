import { ConcurrencyError } from '../event-store/concurrency.error.js';
import type { AckEvent, EnforcerStatusSink, NackEvent } from '../modules/enforcers/index.js';

type Connected = Parameters<EnforcerStatusSink['connected']>[0];
type Disconnected = Parameters<EnforcerStatusSink['disconnected']>[0];
type Contact = Parameters<EnforcerStatusSink['contact']>[0];

export interface QueuedStatusSinkOptions {
  /** Reports waiting per enforcer beyond which liveness reports are dropped (ACK/NACK never are). Default 64. */
  readonly maxQueued?: number;
  /** Attempts of a report that lost an optimistic-concurrency race. Default 4. */
  readonly attempts?: number;
}

/**
 * Puts an enforcer's reports in order: one at a time per registration, since each is an
 * append to the same event stream (an ACK racing the connect's "seen" would otherwise
 * lose with a ConcurrencyError), retried when another replica appended meanwhile. The
 * stream server never awaits these promises; a rejection is only logged there.
 */
export class QueuedStatusSink implements EnforcerStatusSink {
  readonly #inner: EnforcerStatusSink;
  readonly #maxQueued: number;
  readonly #attempts: number;
  readonly #queues = new Map<string, { tail: Promise<void>; depth: number }>();
  #dropped = 0;

  constructor(inner: EnforcerStatusSink, options: QueuedStatusSinkOptions = {}) {
    this.#inner = inner;
    this.#maxQueued = options.maxQueued ?? 64;
    this.#attempts = options.attempts ?? 4;
  }

  /** Liveness reports dropped because an enforcer's queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  connected(event: Connected): Promise<void> {
    return this.#enqueue(event.enforcerId, () => this.#inner.connected(event), false);
  }

  disconnected(event: Disconnected): Promise<void> {
    return this.#enqueue(event.enforcerId, () => this.#inner.disconnected(event), true);
  }

  contact(event: Contact): Promise<void> {
    return this.#enqueue(event.enforcerId, () => this.#inner.contact(event), true);
  }

  acked(event: AckEvent): Promise<void> {
    return this.#enqueue(event.enforcerId, () => this.#inner.acked(event), false);
  }

  nacked(event: NackEvent): Promise<void> {
    return this.#enqueue(event.enforcerId, () => this.#inner.nacked(event), false);
  }

  /** Resolves when every queued report has been handled. */
  async idle(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.tail));
  }

  #enqueue(enforcerId: string, report: () => void | Promise<void>, droppable: boolean): Promise<void> {
    let queue = this.#queues.get(enforcerId);
    if (!queue) this.#queues.set(enforcerId, (queue = { tail: Promise.resolve(), depth: 0 }));
    if (droppable && queue.depth >= this.#maxQueued) {
      this.#dropped++;
      return Promise.resolve();
    }
    const q = queue;
    q.depth++;
    const run = q.tail
      .then(() => this.#withRetry(report))
      .finally(() => {
        if (--q.depth === 0 && this.#queues.get(enforcerId) === q) this.#queues.delete(enforcerId);
      });
    q.tail = run.catch(() => {});
    return run;
  }

  async #withRetry(report: () => void | Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await report();
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= this.#attempts) throw error;
      }
    }
  }
}
