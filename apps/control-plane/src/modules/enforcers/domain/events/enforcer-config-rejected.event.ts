import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface EnforcerConfigRejectedPayload {
  readonly enforcerId: string;
  readonly configVersion: number;
  /** The NACK's stable UPPER_SNAKE code, e.g. POLICY_INVALID. */
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly rejectedAt: string;
  readonly instanceId: string | null;
}

/** The enforcer refused a snapshot (NACK) and kept deciding on the one it had. */
export class EnforcerConfigRejected extends DomainEventClass('enforcer.config_rejected')<EnforcerConfigRejectedPayload> {}
