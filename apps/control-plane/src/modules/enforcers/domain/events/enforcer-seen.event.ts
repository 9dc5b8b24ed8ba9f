import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface EnforcerSeenPayload {
  readonly enforcerId: string;
  readonly seenAt: string;
}

/** Liveness, recorded at most once a minute however often the enforcer heartbeats. */
export class EnforcerSeen extends DomainEventClass('enforcer.seen')<EnforcerSeenPayload> {}
