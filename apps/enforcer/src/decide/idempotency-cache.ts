/** Why an entry left the cache before it was asked for again. */
export type EvictionReason = 'capacity' | 'expired';

export interface IdempotencyCacheOptions {
  /** How long an answer is kept, in ms from when it was decided. */
  readonly ttlMs: number;
  /** Entries kept at most; beyond, the oldest is evicted first. */
  readonly maxEntries: number;
  /** Told about each entry that leaves because it expired or made room. */
  readonly onEvict?: (reason: EvictionReason) => void;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 10 * 60_000;
export const DEFAULT_IDEMPOTENCY_MAX_ENTRIES = 100_000;

/**
 * `hit`: the same request was seen (its answer, possibly still being signed, is `value`).
 * `conflict`: the key was seen with different content. `miss`: not seen within the TTL.
 */
export type IdempotencyLookup<V> = { readonly kind: 'miss' } | { readonly kind: 'conflict' } | { readonly kind: 'hit'; readonly value: V };

interface Entry<V> {
  readonly fingerprint: string;
  readonly value: V;
  readonly at: number;
}

const MISS = { kind: 'miss' } as const;
const CONFLICT = { kind: 'conflict' } as const;

/**
 * The answers recently given, by idempotency key, so a retried request gets the same answer
 * instead of being decided again. Bounded in time (`ttlMs`) and size (`maxEntries`); entries
 * keep their insertion order (a Map's), which is their age order, so both bounds evict from
 * the front: oldest first, O(1) amortised. A hit does not refresh an entry: the TTL runs
 * from the first decision.
 *
 * `fingerprint` is what the request asked (tool, arguments digest…): the same key with a
 * different fingerprint is a reused key, never answered from the cache.
 */
export class IdempotencyCache<V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #onEvict: ((reason: EvictionReason) => void) | undefined;
  readonly #entries = new Map<string, Entry<V>>();

  constructor(options: IdempotencyCacheOptions) {
    if (!(options.ttlMs > 0) || !Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError('IdempotencyCache needs ttlMs > 0 and maxEntries >= 1');
    }
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#onEvict = options.onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  lookup(key: string, fingerprint: string, now: number): IdempotencyLookup<V> {
    this.#expire(now);
    const entry = this.#entries.get(key);
    if (entry === undefined) return MISS;
    if (now - entry.at >= this.#ttlMs) {
      // Out of age order (the clock stepped back): expired all the same.
      this.#entries.delete(key);
      this.#onEvict?.('expired');
      return MISS;
    }
    return entry.fingerprint === fingerprint ? { kind: 'hit', value: entry.value } : CONFLICT;
  }

  /** Remembers `value` as the answer to `key`, replacing whatever was there. */
  add(key: string, fingerprint: string, value: V, now: number): void {
    this.#expire(now);
    this.#entries.delete(key); // re-inserted at the back: its age order is now
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
      this.#onEvict?.('capacity');
    }
    this.#entries.set(key, { fingerprint, value, at: now });
  }

  /** Forgets `key` if `value` is still its answer (an answer that could not be completed). */
  forget(key: string, value: V): void {
    if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
  }

  #expire(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.at < this.#ttlMs) break;
      this.#entries.delete(key);
      this.#onEvict?.('expired');
    }
  }
}

/** An unambiguous key from parts (each length-prefixed, so no separator can be forged). */
export function compositeKey(...parts: readonly string[]): string {
  let key = '';
  for (const p of parts) key += `${p.length}:${p}`;
  return key;
}
