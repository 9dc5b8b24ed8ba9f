import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AlertDestinationSecretRotatedPayload {
  readonly destinationId: string;
  /** The new signing secret, sealed; shown once, in the rotation's answer. */
  readonly secretCiphertext: string;
  /** The secret it replaces, still signing beside the new one until `previousSecretExpiresAt`; null: retired at once. */
  readonly previousSecretCiphertext: string | null;
  readonly previousSecretExpiresAt: string | null;
  readonly rotatedAt: string;
}

/** A webhook destination got a new signing secret. */
export class AlertDestinationSecretRotated extends DomainEventClass('alert_destination.secret_rotated')<AlertDestinationSecretRotatedPayload> {}
