import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemError } from '../http/problem.js';
import { verifiedApiKeyHash, type ApiKeyRole } from '@thoth/api-keys';
import { ApiKeyLookupRepository } from './api-key-lookup.repository.js';
import { IS_PUBLIC, type RequestWithPrincipal, ROLES } from './principal.js';

const BEARER = /^Bearer\s+(\S+)$/i;

/** Authenticates the API key (401) and checks its role against the route's (403). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyLookupRepository) private readonly keys: ApiKeyLookupRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<RequestWithPrincipal & { headers: Record<string, string | undefined> }>();

    const header = request.headers['authorization'];
    if (!header) throw new ProblemError(401, 'auth.missing_key', 'send an API key: Authorization: Bearer thoth_sk_…', undefined, CHALLENGE);
    const candidate = BEARER.exec(header)?.[1];
    const hash = candidate === undefined ? undefined : verifiedApiKeyHash(candidate);
    if (!hash) throw new ProblemError(401, 'auth.malformed_key', 'the API key is not a well-formed Thoth key', undefined, CHALLENGE);
    const key = await this.keys.findByHash(hash);
    if (!key) throw new ProblemError(401, 'auth.unknown_key', 'the API key is not known', undefined, CHALLENGE);
    if (key.revokedAt) throw new ProblemError(401, 'auth.revoked_key', 'the API key has been revoked', undefined, CHALLENGE);
    request.principal = { keyId: key.keyId, tenantId: key.tenantId, role: key.role, actor: `key:${key.keyId}` };

    const allowed = this.reflector.getAllAndOverride<ApiKeyRole[] | undefined>(ROLES, targets) ?? ['admin'];
    if (!allowed.includes(key.role)) {
      throw new ProblemError(403, 'auth.forbidden_role', `this needs one of the roles ${allowed.join(', ')}; the key has ${key.role}`);
    }
    return true;
  }
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="thoth"' };
