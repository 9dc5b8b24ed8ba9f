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
 *
 * A decision knows before it is answered whether its event will be kept: `reserve` holds a
 * place in the buffer (counting the places already held for events whose receipts are still
 * being signed), and `publish(event, true)` fills it, so a held place is never refused. A
 * place held for an event that will not come (its receipt could not be signed) is given back
 * with `release` (docs/security.md, "A full decision buffer").
 */
export interface DecisionLog {
  /** Holds a place for one event; false when the buffer is full or closed. */
  reserve(): boolean;
  /** Gives back a place held by `reserve` whose event will not be published. */
  release(): void;
  /** `reserved`: the event fills a place held by `reserve`. */
  publish(event: DecisionEvent, reserved?: boolean): void;
  stats(): DecisionLogStats;
  /** Delivers what is buffered (up to `timeoutMs`), then releases the connection. */
  close(options?: { timeoutMs?: number }): Promise<DecisionLogStats>;
}

/**
 * A fixed-capacity FIFO (ring buffer): no shifting, no growth beyond its capacity. Places can
 * be held ahead of their items (`reserve`): held and queued items together never exceed the
 * capacity.
 */
export class BoundedQueue<T> {
  readonly #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #reserved = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a positive integer, got ${capacity}`);
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Places held for items not pushed yet. */
  get reserved(): number {
    return this.#reserved;
  }

  /** Holds a place for an item to be pushed later with `push(item, true)`; false when none is left. */
  reserve(): boolean {
    if (this.#size + this.#reserved >= this.capacity) return false;
    this.#reserved++;
    return true;
  }

  /** Gives back a held place. */
  release(): void {
    if (this.#reserved > 0) this.#reserved--;
  }

  /** False when full, held places included (the item is not taken); an item with a held place always fits. */
  push(item: T, reserved = false): boolean {
    if (reserved && this.#reserved > 0) this.#reserved--;
    else if (this.#size + this.#reserved >= this.capacity) return false;
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
