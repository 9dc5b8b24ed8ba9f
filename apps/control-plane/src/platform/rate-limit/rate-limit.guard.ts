import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../clock/clock.js';
import { ProblemError } from '../http/problem.js';
import type { RequestWithPrincipal } from '../auth/principal.js';
import { RateLimiter } from '@thoth/http';
import type { ControlPlaneConfig } from '../../config/config.js';

export type RateLimits = ControlPlaneConfig['rateLimit'];

export class RateLimitSettings {
  constructor(readonly limits: RateLimits) {}
}

/**
 * After authentication: per tenant, all its API keys together (per client address when the
 * route is public), in memory, per replica: a token bucket. Before it, every request was counted
 * per address by limitByAddress (@thoth/http; control-plane.ts). Answers carry RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers);
 * a refusal is 429 with Retry-After. Buckets are kept in RateLimiter's bounded LRU.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  readonly #perTenant: RateLimiter;
  readonly #perAddress: RateLimiter;

  constructor(
    @Inject(RateLimitSettings) private readonly settings: RateLimitSettings,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.#perTenant = new RateLimiter(settings.limits.perTenantPerMinute);
    this.#perAddress = new RateLimiter(settings.limits.anonymousPerMinute);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const principal = request.principal;
    const [policy, limiter, key] = principal ? ['per-tenant', this.#perTenant, `tenant:${principal.tenantId}`] : ['per-address', this.#perAddress, `ip:${request.ip}`];
    const quota = limiter.perMinute;
    const result = limiter.take(key, this.clock.now().getTime());
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
}
