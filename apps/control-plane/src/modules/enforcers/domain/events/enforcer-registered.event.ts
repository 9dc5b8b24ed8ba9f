import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface EnforcerRegisteredPayload {
  readonly enforcerId: string;
  readonly tenantId: string;
  readonly name: string;
  /** SHA-256 hex of the enforcer token it presents on the config stream (`Hello.enforcer_token`). */
  readonly tokenHash: string;
  readonly tokenHint: string;
  readonly registeredAt: string;
}

export class EnforcerRegistered extends DomainEventClass('enforcer.registered')<EnforcerRegisteredPayload> {}
