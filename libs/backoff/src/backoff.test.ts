import { describe, expect, it } from 'vitest';
import { jitteredBackoffMs } from './backoff.js';

describe('jitteredBackoffMs', () => {
  it('full jitter: uniform below baseMs · 2^exponent, capped at maxMs', () => {
    const full = { baseMs: 100, maxMs: 10_000, jitter: 'full' } as const;
    expect(jitteredBackoffMs(0, full, () => 0)).toBe(0);
    expect(jitteredBackoffMs(0, full, () => 0.5)).toBe(50);
    expect(jitteredBackoffMs(3, full, () => 0.5)).toBe(400);
    expect(jitteredBackoffMs(20, full, () => 0.5)).toBe(5_000);
    expect(jitteredBackoffMs(2_000, full, () => 0.5)).toBe(5_000);
  });

  it('equal jitter: uniform in the upper half of the ceiling, no cap unless given', () => {
    const equal = { baseMs: 10, jitter: 'equal' } as const;
    expect(jitteredBackoffMs(0, equal, () => 0)).toBe(5);
    expect(jitteredBackoffMs(0, equal, () => 1)).toBe(10);
    expect(jitteredBackoffMs(2, equal, () => 0)).toBe(20);
    expect(jitteredBackoffMs(30, equal, () => 0)).toBe(10 * 2 ** 29);
    expect(jitteredBackoffMs(30, { ...equal, maxMs: 1_000 }, () => 0)).toBe(500);
  });

  it('is never negative and stays below the ceiling for random() < 1', () => {
    for (let exponent = 0; exponent < 60; exponent += 7) {
      for (const r of [0, 0.25, 0.999_999]) {
        const d = jitteredBackoffMs(exponent, { baseMs: 250, maxMs: 30_000, jitter: 'full' }, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(30_000);
      }
    }
  });
});
