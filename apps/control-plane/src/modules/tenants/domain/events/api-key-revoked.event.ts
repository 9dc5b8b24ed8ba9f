import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface ApiKeyRevokedPayload {
  readonly keyId: string;
  readonly revokedAt: string;
}

/** The key answers 401 from the next request on. */
export class ApiKeyRevoked extends DomainEventClass('tenant.api_key_revoked')<ApiKeyRevokedPayload> {}
