import { describe, expect, it } from 'vitest';
import { addressBucket, RateLimiter, TokenBucket } from './rate-limit.js';

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
    expect(bucket.take(100_000)).toMatchObject({ allowed: true, remaining: 1 });
  });
});

describe('TokenBucket and a clock that steps back', () => {
  it('neither refills nor drains', () => {
    const bucket = new TokenBucket(2, 60, 1_000_000);
    expect(bucket.take(0)).toMatchObject({ allowed: true, remaining: 1 });
    expect(bucket.take(0)).toMatchObject({ allowed: true, remaining: 0 });
    expect(bucket.take(0).allowed).toBe(false);
  });
});

describe('addressBucket', () => {
  it('keeps an IPv4 address (mapped or not) on its own and an IPv6 address with its /64', () => {
    expect(addressBucket('198.51.100.7')).toBe('ip:198.51.100.7');
    expect(addressBucket('::ffff:198.51.100.7')).toBe('ip:198.51.100.7');
    expect(addressBucket('2001:db8:7:1::1')).toBe('ip6:2001:db8:7:1::/64');
    expect(addressBucket('2001:0db8:0007:0001:ffff:ffff:ffff:fffe')).toBe('ip6:2001:db8:7:1::/64');
    expect(addressBucket('2001:db8::7:1:2:3')).toBe('ip6:2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('ip6:0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('ip6:fe80:0:0:0::/64');
    expect(addressBucket('2001:db8:7:2::1')).not.toBe(addressBucket('2001:db8:7:1::1'));
  });
});

describe('RateLimiter', () => {
  it('keeps at most maxKeys buckets, forgetting the least recently seen: memory stays fixed under a flood of new keys', () => {
    const limiter = new RateLimiter(2, { maxKeys: 1_000 });
    limiter.take('busy', 0);
    limiter.take('busy', 0);
    limiter.take('idle', 0);
    limiter.take('idle', 0);
    for (let i = 0; i < 50_000; i++) {
      limiter.take(`flood-${i}`, 0);
      if (i % 500 === 0) expect(limiter.take('busy', 0).allowed).toBe(false); // seen again: kept, still empty
    }
    expect(limiter.size).toBe(1_000);
    expect(limiter.take('busy', 0).allowed).toBe(false);
    // Not seen for 50,000 keys: forgotten, and starts again with a full bucket.
    expect(limiter.take('idle', 0)).toMatchObject({ allowed: true, remaining: 1 });
  });
});
