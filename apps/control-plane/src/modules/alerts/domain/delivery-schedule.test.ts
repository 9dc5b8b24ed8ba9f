import { describe, expect, it } from 'vitest';
import { afterFailure, retryDelayMs, type RetryPolicy } from './delivery-schedule.js';

const policy: RetryPolicy = { maxAttempts: 5, maxAgeMs: 3_600_000, backoff: { baseMs: 1_000, maxMs: 60_000 } };
const start = new Date('2026-11-02T09:00:00.000Z');

describe('retries: exponential backoff with full jitter', () => {
  it('draws the wait uniformly below min(max, base·2^(n-1))', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy.backoff, () => 0.999_999))).toEqual([999, 1_999, 3_999, 7_999]);
    expect(retryDelayMs(10, policy.backoff, () => 0.999_999)).toBe(59_999);
    expect(retryDelayMs(1_000, policy.backoff, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(3, policy.backoff, () => 0)).toBe(0);
  });

  it('retries until the attempts are used up, then dead-letters', () => {
    const now = new Date(start.getTime() + 10_000);
    expect(afterFailure({ attempts: 4, cycleStartedAt: start, now, policy, random: () => 0.5 })).toEqual({ retryAt: new Date(now.getTime() + 4_000) });
    expect(afterFailure({ attempts: 5, cycleStartedAt: start, now, policy, random: () => 0.5 })).toEqual({ deadLetter: 'max_attempts' });
  });

  it('dead-letters when the next attempt would fall after the max age', () => {
    const late = new Date(start.getTime() + policy.maxAgeMs - 1_000);
    expect(afterFailure({ attempts: 3, cycleStartedAt: start, now: late, policy, random: () => 0.5 })).toEqual({ deadLetter: 'max_age' });
    expect(afterFailure({ attempts: 3, cycleStartedAt: start, now: late, policy, random: () => 0.1 })).toHaveProperty('retryAt');
  });
});
