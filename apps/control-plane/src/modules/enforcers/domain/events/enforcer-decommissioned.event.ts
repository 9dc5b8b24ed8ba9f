import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface EnforcerDecommissionedPayload {
  readonly enforcerId: string;
  readonly reason: string | null;
  readonly decommissionedAt: string;
}

/** Terminal: its token no longer opens a config stream. */
export class EnforcerDecommissioned extends DomainEventClass('enforcer.decommissioned')<EnforcerDecommissionedPayload> {}
