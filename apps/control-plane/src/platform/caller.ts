import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { EventMetadata } from '../shared/domain/domain-event.js';
import type { Principal, RequestWithPrincipal } from './auth/principal.js';

/** Who issues a command, for which tenant, in which request: every command carries one. */
export interface Caller {
  tenantId: string;
  actor: string;
  requestId: string;
}

export const callerOf = (principal: Principal, requestId: string): Caller => ({
  tenantId: principal.tenantId,
  actor: principal.actor,
  requestId,
});

export const metadataOf = (caller: Caller): EventMetadata => ({ actor: caller.actor, requestId: caller.requestId });

/** The authenticated caller of this request, as commands take it (the auth guard has run). */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
  if (!request.principal) throw new Error('CurrentCaller on a route without authentication');
  return callerOf(request.principal, request.id);
});
