import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then refuses with the time until the next token', () => {
    const bucket = new TokenBucket(3, 60, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)].map((r) => r.allowed)).toEqual([true, true, true]);
    const refused = bucket.take(0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 20, resetSeconds: 60 });
  });

  it('refills evenly over the window', () => {
    const bucket = new TokenBucket(2, 10, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.take(4_000).allowed).toBe(false);
    expect(bucket.take(5_000).allowed).toBe(true);
    expect(bucket.isFull(100_000)).toBe(true);
  });
});
