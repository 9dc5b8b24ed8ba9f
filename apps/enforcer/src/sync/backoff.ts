import { jitteredBackoffMs } from '@thoth/backoff';

/**
 * Exponential backoff with full jitter (@thoth/backoff): a uniform delay in
 * [0, min(max, initial · 2^attempt)], whole milliseconds, so that enforcers cut off together
 * do not reconnect together.
 */
export function fullJitterDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(jitteredBackoffMs(Math.min(attempt, 30), { baseMs: initialMs, maxMs, jitter: 'full' }, random));
}
