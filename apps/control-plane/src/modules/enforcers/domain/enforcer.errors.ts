import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the enforcer context; the API puts them in problem+json `code`. */
export type EnforcerErrorCode = 'enforcer.invalid_name' | 'enforcer.invalid_field' | 'enforcer.invalid_activation' | 'enforcer.invalid_receipt_key' | 'enforcer.decommissioned' | 'enforcer.not_found';

export class EnforcerError extends DomainError {
  constructor(
    override readonly code: EnforcerErrorCode,
    kind: DomainError['kind'],
    message: string,
    /** JSON pointer of the offending input field, when there is one. */
    field?: string,
  ) {
    super(code, kind, message, field === undefined ? {} : { field });
    this.name = 'EnforcerError';
  }
}

export const enforcerNotFound = (): EnforcerError => new EnforcerError('enforcer.not_found', 'not_found', 'enforcer not found');
