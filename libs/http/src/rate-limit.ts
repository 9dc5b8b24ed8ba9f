import type { FastifyInstance } from 'fastify';
import { isIPv4, isIPv6 } from 'node:net';
import { problem } from './problem.js';

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

  /** Full again: nothing to remember about this caller. */
  isFull(nowMs: number): boolean {
    return this.#tokens + (Math.max(0, nowMs - this.#at) / 1000) * (this.capacity / this.windowSeconds) >= this.capacity;
  }
}

const MAX_TRACKED = 100_000;

/** Token buckets by key (per replica, in memory), `perMinute` each; full buckets are forgotten when too many are kept. */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(readonly perMinute: number) {}

  take(key: string, nowMs: number): TakeResult {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= MAX_TRACKED) for (const [k, b] of this.#buckets) if (b.isFull(nowMs)) this.#buckets.delete(k);
      bucket = new TokenBucket(this.perMinute, 60, nowMs);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(nowMs);
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

export interface AddressRateLimitOptions {
  /** Requests a minute per address (IPv6: per /64), before any authentication. */
  perMinute: number;
  now?: () => number;
}

/**
 * Limits every request by its client address before anything else runs (Fastify's onRequest:
 * before routing, body parsing, the API key's lookup and hashing). A refusal is 429 problem+json,
 * code `rate_limited`, with Retry-After; an answer carries RateLimit-Policy "per-address".
 */
export function limitByAddress(fastify: FastifyInstance, options: AddressRateLimitOptions): RateLimiter {
  const limiter = new RateLimiter(options.perMinute);
  const now = options.now ?? Date.now;
  fastify.addHook('onRequest', async (request, reply) => {
    const result = limiter.take(addressBucket(request.ip), now());
    if (result.allowed) return;
    const body = problem(429, 'rate_limited', `more than ${options.perMinute} requests a minute from this address; retry in ${result.retryAfterSeconds} s`);
    await reply
      .code(429)
      .header('content-type', 'application/problem+json')
      .header('retry-after', String(result.retryAfterSeconds))
      .header('ratelimit-policy', `"per-address";q=${options.perMinute};w=60`)
      .header('ratelimit', `"per-address";r=0;t=${result.resetSeconds}`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify({ ...body, requestId: request.id }));
  });
  return limiter;
}
