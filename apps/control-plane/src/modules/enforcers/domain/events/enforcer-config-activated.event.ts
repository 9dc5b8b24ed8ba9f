import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface EnforcerConfigActivatedPayload {
  readonly enforcerId: string;
  /** `EnforcerConfig.version` the enforcer ACKed: verified, compiled and swapped in. */
  readonly configVersion: number;
  /** `EnforcerConfig.content_hash` of that snapshot, when the ACK names it. */
  readonly contentHash: string | null;
  readonly activatedAt: string;
  /** The process that ACKed (`Hello.enforcer_id`), when known. */
  readonly instanceId: string | null;
}

export class EnforcerConfigActivated extends DomainEventClass('enforcer.config_activated')<EnforcerConfigActivatedPayload> {}
