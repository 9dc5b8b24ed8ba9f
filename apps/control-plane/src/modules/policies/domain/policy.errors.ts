import type { PolicyError as PolicySourceError } from '@thoth/policy';
import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the policy context; the API puts them in problem+json `code`. */
export type PolicyErrorCode =
  | 'policy.invalid'
  | 'policy.too_large'
  | 'policy.version_stale'
  | 'policy.unchanged'
  | 'policy.not_found'
  | 'policy.version_not_found';

export class PolicyError extends DomainError {
  constructor(
    override readonly code: PolicyErrorCode,
    kind: DomainError['kind'],
    message: string,
    /** For `policy.invalid`: every problem the engine found, each with code, JSON pointer, line and column. */
    errors: readonly PolicySourceError[] = [],
  ) {
    super(code, kind, message, errors.length === 0 ? {} : { errors: errors.map(({ path, code, message, line, column }) => ({ path, code, message, line, column })) });
    this.name = 'PolicyError';
  }
}

/** The caller's If-Match named a version that is no longer current. */
export class StalePolicyVersionError extends PolicyError {
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super('policy.version_stale', 'conflict', `expected policy version ${expectedVersion}, but the current version is ${currentVersion}`);
    this.name = 'StalePolicyVersionError';
  }
}
