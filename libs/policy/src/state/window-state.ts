import type { StateUpdate, WindowStateOptions, WindowStateStats, WindowStateView } from '../types.js';

/**
 * One sliding window: a ring of `buckets` time buckets of `resolution` ms each, holding
 * calls and records. Bucket number b = floor(ts / resolution); at time `now` the window
 * holds the buckets b with floor(now / resolution) - buckets < b <= floor(now / resolution).
 */
class Ring {
  /** Bucket number held by the newest slot (-Infinity while empty; times before 1970 are negative). */
  head = Number.NEGATIVE_INFINITY;
  /** Sum of every slot (valid for reads at `head`). */
  totalCalls = 0;
  totalRecords = 0;
  /**
   * Calls of slot i at [2i], records at [2i + 1]. One plain array, not two Float64Arrays:
   * a typed array this small keeps its bytes outside the JS heap (a malloc'd backing store
   * plus an ArrayBuffer per array), which tripled the resident memory of 100,000 keys.
   */
  readonly slots: number[];

  constructor(
    readonly windowMs: number,
    readonly resolution: number,
    readonly size: number,
  ) {
    this.slots = new Array<number>(2 * size).fill(0);
  }

  add(ts: number, calls: number, records: number): void {
    const b = Math.floor(ts / this.resolution);
    if (b > this.head) this.advance(b);
    else if (b <= this.head - this.size) return; // older than anything kept: already out of every window
    const slot = mod(b, this.size);
    this.slots[2 * slot]! += calls;
    this.slots[2 * slot + 1]! += records;
    this.totalCalls += calls;
    this.totalRecords += records;
  }

  /** Moves the head to bucket b, clearing the slots that fall out (at most `size` per call, amortized O(1)). */
  private advance(b: number): void {
    if (b - this.head >= this.size) {
      this.slots.fill(0);
      this.totalCalls = 0;
      this.totalRecords = 0;
    } else {
      for (let nb = this.head + 1; nb <= b; nb++) {
        const slot = mod(nb, this.size);
        this.totalCalls -= this.slots[2 * slot]!;
        this.totalRecords -= this.slots[2 * slot + 1]!;
        this.slots[2 * slot] = 0;
        this.slots[2 * slot + 1] = 0;
      }
    }
    this.head = b;
  }

  read(now: number, out: { calls: number; records: number }): void {
    const nb = Math.floor(now / this.resolution);
    if (nb === this.head) {
      out.calls = this.totalCalls;
      out.records = this.totalRecords;
      return;
    }
    let calls = 0;
    let records = 0;
    const low = nb - this.size; // exclusive
    for (let k = 0; k < this.size; k++) {
      const b = this.head - k;
      if (b <= low) break;
      if (b > nb) continue;
      const slot = mod(b, this.size);
      calls += this.slots[2 * slot]!;
      records += this.slots[2 * slot + 1]!;
    }
    out.calls = calls;
    out.records = records;
  }

  /** True when nothing in the ring can be inside a window ending at or after `now`. */
  idleAt(now: number): boolean {
    return this.head <= Math.floor(now / this.resolution) - this.size;
  }
}

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

const EMPTY = Object.freeze({ calls: 0, records: 0 });
/** Rough per-key overhead beyond the two buffers: Map entry, key string, Ring object, typed-array headers. */
const KEY_OVERHEAD_BYTES = 240;

/**
 * Sliding-window counters with bounded memory: at most `maxKeys` keys; when full, the
 * least recently updated key is evicted (idle keys go first) and counted. Updates are
 * O(1) amortized; reads are O(buckets) at worst and O(1) when the window's head is now.
 */
export class WindowState implements WindowStateView {
  readonly maxKeys: number;
  readonly buckets: number;
  #rings = new Map<string, Ring>();
  #evictions = 0;
  #bytes = 0;
  readonly #scratch = { calls: 0, records: 0 };

  constructor(opts: WindowStateOptions = {}) {
    this.maxKeys = opts.maxKeys ?? 100_000;
    this.buckets = opts.buckets ?? 20;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError('WindowState maxKeys must be a positive integer');
    if (!Number.isInteger(this.buckets) || this.buckets < 1 || this.buckets > 3600) throw new RangeError('WindowState buckets must be an integer in 1..3600');
  }

  /**
   * Calls and records inside the window ending at `now`. The returned object is reused by
   * the next read: copy what you need.
   */
  read(key: string, windowMs: number, now: number): { readonly calls: number; readonly records: number } {
    const ring = this.#rings.get(key);
    if (ring === undefined || ring.windowMs !== windowMs) return EMPTY;
    ring.read(now, this.#scratch);
    return this.#scratch;
  }

  /** Applies the updates of a decision, stamped `now`. */
  apply(updates: readonly StateUpdate[], now: number): void {
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      let ring = this.#rings.get(u.key);
      if (ring === undefined || ring.windowMs !== u.windowMs) {
        if (ring !== undefined) this.#drop(u.key, ring);
        else if (this.#rings.size >= this.maxKeys) this.#evictOne(now);
        const resolution = Math.max(1, Math.ceil(u.windowMs / this.buckets));
        ring = new Ring(u.windowMs, resolution, Math.ceil(u.windowMs / resolution));
        this.#bytes += ring.size * 16 + KEY_OVERHEAD_BYTES + u.key.length * 2;
      } else {
        this.#rings.delete(u.key); // re-insert below: Map order = least recently updated first
      }
      this.#rings.set(u.key, ring);
      ring.add(now, u.calls, u.records);
    }
  }

  /** Drops every key whose window is entirely in the past at `now` (not counted as evictions). */
  prune(now: number): number {
    let n = 0;
    for (const [key, ring] of this.#rings) {
      if (ring.idleAt(now)) {
        this.#drop(key, ring);
        n++;
      }
    }
    return n;
  }

  stats(): WindowStateStats {
    return { liveKeys: this.#rings.size, maxKeys: this.maxKeys, evictions: this.#evictions, approxBytes: this.#bytes };
  }

  #evictOne(now: number): void {
    // Prefer a key whose window is already empty among the oldest few, else the least recently updated.
    let victim: string | undefined;
    let victimRing: Ring | undefined;
    let looked = 0;
    for (const [key, ring] of this.#rings) {
      if (victim === undefined) {
        victim = key;
        victimRing = ring;
      }
      if (ring.idleAt(now)) {
        victim = key;
        victimRing = ring;
        break;
      }
      if (++looked >= 8) break;
    }
    if (victim !== undefined && victimRing !== undefined) {
      this.#drop(victim, victimRing);
      this.#evictions++;
    }
  }

  #drop(key: string, ring: Ring): void {
    this.#rings.delete(key);
    this.#bytes -= ring.size * 16 + KEY_OVERHEAD_BYTES + key.length * 2;
  }
}

/** Functional form of `state.apply(updates, now)`. */
export function applyUpdates(state: WindowState, updates: readonly StateUpdate[], now: number): void {
  state.apply(updates, now);
}
