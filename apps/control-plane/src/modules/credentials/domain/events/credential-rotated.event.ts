import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface CredentialRotatedPayload {
  readonly credentialId: string;
  readonly fingerprint: string;
  /** Rotated out: a call still presenting it is refused from now on (no grace period). */
  readonly previousFingerprint: string;
  readonly expiresAt: string | null;
  readonly rotatedAt: string;
}

export class CredentialRotated extends DomainEventClass('credential.rotated')<CredentialRotatedPayload> {}
