import type { EventMetadata } from '../shared/domain/domain-event.js';
import type { Principal } from './auth/principal.js';

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
