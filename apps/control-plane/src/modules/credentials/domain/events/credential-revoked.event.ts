import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface CredentialRevokedPayload {
  readonly credentialId: string;
  readonly reason: string | null;
  readonly revokedAt: string;
}

/** Terminal. */
export class CredentialRevoked extends DomainEventClass('credential.revoked')<CredentialRevokedPayload> {}
