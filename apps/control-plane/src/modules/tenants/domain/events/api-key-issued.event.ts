import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { ApiKeyRole } from '../tenant-settings.js';

export interface ApiKeyIssuedPayload {
  readonly keyId: string;
  readonly name: string;
  readonly role: ApiKeyRole;
  /** The recognisable start of the key, for lists. */
  readonly prefix: string;
  /** SHA-256 (hex) of the key; the key itself was shown once and is nowhere. */
  readonly keyHash: string;
  readonly issuedAt: string;
}

/** An API key with a role; authentication looks it up by hash. */
export class ApiKeyIssued extends DomainEventClass('tenant.api_key_issued')<ApiKeyIssuedPayload> {}
