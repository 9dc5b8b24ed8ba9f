import { jitteredBackoffMs } from '@thoth/backoff';

/** How retries are spaced and when an alert gives up (AlertDeliverySettings, in the config). */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
}

/**
 * Exponential backoff with full jitter (@thoth/backoff): after the n-th failed attempt, wait
 * random(0, min(maxMs, baseMs·2^(n-1))), in whole milliseconds. Spreads the retries of many
 * alerts that failed together (a receiver outage) over the window.
 */
export function retryDelayMs(failedAttempts: number, backoff: RetryPolicy['backoff'], random: () => number): number {
  return Math.floor(jitteredBackoffMs(Math.min(failedAttempts - 1, 52), { ...backoff, jitter: 'full' }, random));
}

export type AfterFailure = { readonly retryAt: Date } | { readonly deadLetter: 'max_attempts' | 'max_age' };

/**
 * What follows a failed attempt: another, or the dead-letter list when the attempts are used
 * up or the next one would fall after the cycle's max age.
 */
export function afterFailure(input: { attempts: number; cycleStartedAt: Date; now: Date; policy: RetryPolicy; random: () => number }): AfterFailure {
  const { attempts, cycleStartedAt, now, policy } = input;
  if (attempts >= policy.maxAttempts) return { deadLetter: 'max_attempts' };
  const retryAt = new Date(now.getTime() + retryDelayMs(attempts, policy.backoff, input.random));
  if (retryAt.getTime() - cycleStartedAt.getTime() > policy.maxAgeMs) return { deadLetter: 'max_age' };
  return { retryAt };
}
