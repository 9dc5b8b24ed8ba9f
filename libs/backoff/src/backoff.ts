/** How a pause grows: exponentially from `baseMs`, up to `maxMs`, jittered. */
export interface Backoff {
  /** The ceiling at exponent 0. */
  readonly baseMs: number;
  /** The ceiling grows no further than this (default: no limit). */
  readonly maxMs?: number;
  /**
   * Where in [0, ceiling) the pause falls (AWS Architecture Blog, "Exponential Backoff And
   * Jitter"): `full` anywhere, uniformly, so that clients cut off together do not retry
   * together; `equal` uniformly in the upper half, so that a pause is never much shorter than
   * its ceiling.
   */
  readonly jitter: 'full' | 'equal';
}

/**
 * Exponential backoff with jitter: the pause at `exponent` (0 for the first), under the ceiling
 * min(maxMs, baseMs · 2^exponent); `random` in [0, 1). In milliseconds, not rounded. Callers cap
 * the exponent where they want it capped.
 */
export function jitteredBackoffMs(exponent: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs ?? Number.POSITIVE_INFINITY, backoff.baseMs * 2 ** exponent);
  return backoff.jitter === 'full' ? random() * ceiling : ceiling / 2 + random() * (ceiling / 2);
}
