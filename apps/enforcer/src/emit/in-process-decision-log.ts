import type { DecisionEvent } from '@thoth/contracts';
import { BoundedQueue, type DecisionLog, type DecisionLogStats } from './decision-log.js';

export type DecisionSubscriber = (events: readonly DecisionEvent[]) => void | Promise<void>;

/**
 * The embedded mode's decision log, in place of Kafka: a bounded in-memory queue
 * delivered in batches to subscribers (e.g. the ledger's fold) on a later turn of the
 * event loop. A subscriber that throws has the batch retried after `retryMs`; while it
 * fails the queue fills, and once full, new events are counted as dropped.
 */
export class InProcessDecisionLog implements DecisionLog {
  readonly #queue: BoundedQueue<DecisionEvent>;
  readonly #subscribers = new Set<DecisionSubscriber>();
  readonly #batchSize: number;
  readonly #retryMs: number;
  readonly #onDrop: ((dropped: number) => void) | undefined;
  #delivered = 0;
  #dropped = 0;
  #failedAttempts = 0;
  #draining: Promise<void> | undefined;
  #closed = false;

  constructor(options: { capacity: number; batchSize?: number; retryMs?: number; onDrop?: (dropped: number) => void }) {
    this.#queue = new BoundedQueue(options.capacity);
    this.#batchSize = options.batchSize ?? 500;
    this.#retryMs = options.retryMs ?? 100;
    this.#onDrop = options.onDrop;
  }

  subscribe(subscriber: DecisionSubscriber): () => void {
    this.#subscribers.add(subscriber);
    this.#kick();
    return () => this.#subscribers.delete(subscriber);
  }

  reserve(): boolean {
    return !this.#closed && this.#queue.reserve();
  }

  release(): void {
    this.#queue.release();
  }

  publish(event: DecisionEvent, reserved = false): void {
    if (this.#closed || !this.#queue.push(event, reserved)) {
      if (reserved) this.#queue.release();
      this.#dropped++;
      this.#onDrop?.(this.#dropped);
      return;
    }
    this.#kick();
  }

  stats(): DecisionLogStats {
    return {
      buffered: this.#queue.size,
      capacity: this.#queue.capacity,
      delivered: this.#delivered,
      dropped: this.#dropped,
      failedAttempts: this.#failedAttempts,
    };
  }

  async close(options: { timeoutMs?: number } = {}): Promise<DecisionLogStats> {
    this.#closed = true;
    const deadline = Date.now() + (options.timeoutMs ?? 5_000);
    while (this.#queue.size > 0 && this.#subscribers.size > 0 && Date.now() < deadline) {
      this.#kick();
      await (this.#draining ?? new Promise((r) => setTimeout(r, 10)));
    }
    return this.stats();
  }

  #kick(): void {
    if (this.#draining || this.#subscribers.size === 0 || this.#queue.size === 0) return;
    this.#draining = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain()).finally(() => {
      this.#draining = undefined;
      if (this.#queue.size > 0 && this.#subscribers.size > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.size > 0 && this.#subscribers.size > 0) {
      const batch = this.#queue.peek(this.#batchSize);
      try {
        for (const subscriber of this.#subscribers) await subscriber(batch);
      } catch {
        this.#failedAttempts++;
        await new Promise((r) => setTimeout(r, this.#retryMs));
        continue;
      }
      this.#queue.drop(batch.length);
      this.#delivered += batch.length;
    }
  }
}
