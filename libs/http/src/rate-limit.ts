import type { FastifyInstance } from 'fastify';
import { addressBucket, RateLimiter } from '@thoth/rate-limit';
import { problem } from './problem.js';

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
