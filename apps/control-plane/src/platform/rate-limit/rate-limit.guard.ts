import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../clock/clock.js';
import { ProblemError } from '../http/problem.js';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { TokenBucket } from '@thoth/http';
import type { ControlPlaneConfig } from '../../config/config.js';

export type RateLimits = ControlPlaneConfig['rateLimit'];

export class RateLimitSettings {
  constructor(readonly limits: RateLimits) {}
}

const MAX_TRACKED = 100_000;

/**
 * After authentication: per tenant, all its API keys together (per client address when the
 * route is public), in memory, per replica: a token bucket. Before it, every request was counted
 * per address by limitByAddress (@thoth/http; control-plane.ts). Answers carry RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers);
 * a refusal is 429 with Retry-After.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    @Inject(RateLimitSettings) private readonly settings: RateLimitSettings,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const principal = request.principal;
    const [policy, key, quota] = principal
      ? ['per-tenant', `tenant:${principal.tenantId}`, this.settings.limits.perTenantPerMinute]
      : ['per-address', `ip:${request.ip}`, this.settings.limits.anonymousPerMinute];
    const now = this.clock.now().getTime();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= MAX_TRACKED) this.#evictFull(now);
      bucket = new TokenBucket(quota, 60, now);
      this.#buckets.set(key, bucket);
    }
    const result = bucket.take(now);
    const headers = {
      'ratelimit-policy': `"${policy}";q=${quota};w=60`,
      ratelimit: `"${policy}";r=${result.remaining};t=${result.resetSeconds}`,
    };
    if (!result.allowed) {
      throw new ProblemError(429, 'rate_limited', `more than ${quota} requests a minute; retry in ${result.retryAfterSeconds} s`, undefined, {
        ...headers,
        'retry-after': String(result.retryAfterSeconds),
      });
    }
    void reply.headers(headers);
    return true;
  }

  #evictFull(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}
