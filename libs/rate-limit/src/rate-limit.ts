// Rate limits by caller, in memory, per replica: the HTTP APIs count requests by client address
// and tenant (@thoth/http), the enforcer counts refusals before authentication by peer.
import { LRUCache } from 'lru-cache';
import { isIPv4, isIPv6 } from 'node:net';

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (the RateLimit `t` parameter). */
  resetSeconds: number;
  /** When refused: seconds until one token is back (Retry-After). */
  retryAfterSeconds: number;
}

/** A token bucket: `capacity` requests at once, refilled evenly over `windowSeconds`. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly capacity: number,
    readonly windowSeconds: number,
    nowMs: number,
  ) {
    this.#tokens = capacity;
    this.#at = nowMs;
  }

  take(nowMs: number): TakeResult {
    const perSecond = this.capacity / this.windowSeconds;
    // A clock that steps back (NTP, a test's fixed clock) refills nothing and takes nothing away.
    this.#tokens = Math.min(this.capacity, this.#tokens + (Math.max(0, nowMs - this.#at) / 1000) * perSecond);
    this.#at = nowMs;
    const allowed = this.#tokens >= 1;
    if (allowed) this.#tokens -= 1;
    return {
      allowed,
      remaining: Math.floor(this.#tokens),
      resetSeconds: Math.ceil((this.capacity - this.#tokens) / perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - this.#tokens) / perSecond)),
    };
  }
}

const DEFAULT_MAX_KEYS = 100_000;

/**
 * Token buckets by key, `perMinute` each, at most `maxKeys` of them in an LRU (lru-cache: its
 * storage allocated once, O(1) a call whatever the number of keys). A new key beyond the bound
 * makes the least recently seen one forgotten: that caller, idle the longest, starts again with a
 * full bucket, as it would have after a minute's rest. A caller that cycles through more keys
 * than the bound gains no more than its keys would have given it anyway.
 */
export class RateLimiter {
  readonly #buckets: LRUCache<string, TokenBucket>;

  constructor(
    readonly perMinute: number,
    options: { readonly maxKeys?: number } = {},
  ) {
    this.#buckets = new LRUCache({ max: options.maxKeys ?? DEFAULT_MAX_KEYS });
  }

  take(key: string, nowMs: number): TakeResult {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.perMinute, 60, nowMs);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(nowMs);
  }

  /** Keys whose bucket is kept. */
  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * The bucket of a client address: an IPv4 address (IPv4-mapped IPv6 included) is its own; an IPv6
 * address counts with its /64, the smallest network one subscriber is given (RFC 6177), so that
 * a host rotating through its 2^64 addresses stays one caller.
 */
export function addressBucket(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (isIPv4(bare)) return `ip:${bare}`;
  if (!isIPv6(bare)) return `ip:${bare}`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return `ip:${mapped[1]}`;
  const [head = '', tail] = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  ).split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `ip6:${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
