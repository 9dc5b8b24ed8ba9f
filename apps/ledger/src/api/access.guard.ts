import { type CanActivate, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemError, type RateLimiter } from '@thoth/http';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyAuthenticator, Caller } from './authenticate.js';

/** `open`: any method, no key (liveness); `public`: GET, no key; `key` (the default): GET with an API key. */
export type Access = 'open' | 'public' | 'key';

const ACCESS = 'thoth:ledger-access';
export const AccessFor = (access: Access) => SetMetadata(ACCESS, access);

type RequestWithCaller = FastifyRequest & { caller?: Caller };

/** The API key's caller, set by the guard; the tenant is the key's, never the request's. */
export const CallerOf = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (caller === undefined) throw new Error('no caller: the route needs AccessFor("key")');
  return caller;
});

const CHALLENGE = { 'www-authenticate': 'Bearer realm="thoth"' };

/**
 * Only GET is served (405 before anything else), and everything but liveness and the verifier key
 * needs a key before any route answers, the catch-all's 404 included: no key, no information.
 */
export class AccessGuard implements CanActivate {
  readonly #routes = new Reflector();

  constructor(
    private readonly auth: ApiKeyAuthenticator,
    /** Per tenant, once its key is authenticated. */
    private readonly perTenant?: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.#routes.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'key';
    if (access === 'open') return true;
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    if (access === 'public') {
      onlyGet(request);
      return true;
    }
    request.caller = await admit(this.auth, request);
    const limited = this.perTenant?.take(`tenant:${request.caller.tenantId}`, Date.now());
    if (limited && !limited.allowed) {
      throw new ProblemError(429, 'rate_limited', `more than ${this.perTenant!.perMinute} requests a minute for this tenant; retry in ${limited.retryAfterSeconds} s`, undefined, {
        'retry-after': String(limited.retryAfterSeconds),
        'ratelimit-policy': `"per-tenant";q=${this.perTenant!.perMinute};w=60`,
      });
    }
    return true;
  }
}

/** The caller of a GET with a valid key of an evidence role, or the problem why not. */
export async function admit(auth: ApiKeyAuthenticator, request: Pick<FastifyRequest, 'method' | 'headers'>): Promise<Caller> {
  onlyGet(request);
  const authenticated = await auth.authenticate(request.headers.authorization);
  if (authenticated.ok) return authenticated.caller;
  const { status, code, title } = authenticated.problem;
  throw new ProblemError(status, code, title, undefined, status === 401 ? CHALLENGE : undefined);
}

function onlyGet(request: Pick<FastifyRequest, 'method'>): void {
  if (request.method !== 'GET') throw new ProblemError(405, 'http.method_not_allowed', 'Only GET is served');
}
