import type { DecisionEvent } from '@thoth/contracts';

/** Counters every decision log keeps; the metrics read them. */
export interface DecisionLogStats {
  /** Events waiting to be delivered (buffered or in flight). */
  readonly buffered: number;
  readonly capacity: number;
  readonly delivered: number;
  /** Events refused because the buffer was full: counted, logged, never silent. */
  readonly dropped: number;
  /** Failed delivery attempts (each retried). */
  readonly failedAttempts: number;
}

/**
 * Where decisions go after the answer has been sent. `publish` never blocks and never
 * throws: the event is buffered (bounded) or, when the buffer is full, counted as dropped.
 */
export interface DecisionLog {
  publish(event: DecisionEvent): void;
  stats(): DecisionLogStats;
  /** Delivers what is buffered (up to `timeoutMs`), then releases the connection. */
  close(options?: { timeoutMs?: number }): Promise<DecisionLogStats>;
}

/** A fixed-capacity FIFO (ring buffer): no shifting, no growth beyond its capacity. */
export class BoundedQueue<T> {
  readonly #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** False when full (the item is not taken). */
  push(item: T): boolean {
    if (this.#size === this.capacity) return false;
    this.#items[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
    return true;
  }

  /** Up to `n` items from the front, left in place (see `drop`). */
  peek(n: number): T[] {
    const out: T[] = [];
    const count = Math.min(n, this.#size);
    for (let i = 0; i < count; i++) out.push(this.#items[(this.#head + i) % this.capacity] as T);
    return out;
  }

  /** Removes `n` items from the front. */
  drop(n: number): void {
    const count = Math.min(n, this.#size);
    for (let i = 0; i < count; i++) this.#items[(this.#head + i) % this.capacity] = undefined;
    this.#head = (this.#head + count) % this.capacity;
    this.#size -= count;
  }
}
