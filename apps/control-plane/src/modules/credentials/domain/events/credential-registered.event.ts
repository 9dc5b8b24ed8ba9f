import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export type CredentialKind = 'oauth_token' | 'api_key';

export interface CredentialRegisteredPayload {
  readonly credentialId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly kind: CredentialKind;
  readonly provider: string;
  /** Lowercase hex SHA-256 of the secret; the secret itself never reaches an event. */
  readonly fingerprint: string;
  readonly scopes: readonly string[];
  /** Resource globs (`crm/*`); empty means any resource. */
  readonly allowedResources: readonly string[];
  /** Source networks; empty means anywhere. */
  readonly allowedCidrs: readonly string[];
  /** Source regions; empty means any. */
  readonly allowedRegions: readonly string[];
  readonly expiresAt: string | null;
  readonly registeredAt: string;
}

export class CredentialRegistered extends DomainEventClass('credential.registered')<CredentialRegisteredPayload> {}
