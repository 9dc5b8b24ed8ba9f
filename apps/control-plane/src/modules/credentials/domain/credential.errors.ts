import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the credential context; the API puts them in problem+json `code`. */
export type CredentialErrorCode =
  | 'credential.invalid_fingerprint'
  | 'credential.invalid_field'
  | 'credential.invalid_scope'
  | 'credential.invalid_resource'
  | 'credential.invalid_cidr'
  | 'credential.invalid_region'
  | 'credential.invalid_expiry'
  | 'credential.too_many_agents'
  | 'credential.expired'
  | 'credential.revoked'
  | 'credential.fingerprint_unchanged'
  | 'credential.fingerprint_reused'
  | 'credential.fingerprint_taken'
  | 'credential.not_found';

export class CredentialError extends DomainError {
  constructor(
    override readonly code: CredentialErrorCode,
    kind: DomainError['kind'],
    message: string,
    /** JSON pointer of the offending input field, when there is one. */
    field?: string,
  ) {
    super(code, kind, message, field === undefined ? {} : { field });
    this.name = 'CredentialError';
  }
}

export const credentialNotFound = (): CredentialError => new CredentialError('credential.not_found', 'not_found', 'credential not found');
