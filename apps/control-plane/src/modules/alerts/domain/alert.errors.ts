import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the alerts context; the API puts them in problem+json `code`. */
export type AlertErrorCode =
  | 'alert_destination.invalid_field'
  | 'alert_destination.invalid_url'
  | 'alert_destination.insecure_url'
  | 'alert_destination.private_address'
  | 'alert_destination.forbidden_address'
  | 'alert_destination.unresolvable_host'
  | 'alert_destination.name_taken'
  | 'alert_destination.limit_reached'
  | 'alert_destination.not_found'
  | 'alert_destination.deleted'
  | 'alert_destination.not_signed'
  | 'alert.not_found'
  | 'alert.not_dead_lettered'
  | 'alert.destination_deleted';

export class AlertError extends DomainError {
  constructor(
    override readonly code: AlertErrorCode,
    kind: DomainError['kind'],
    message: string,
    /** JSON pointer of the offending input field, when there is one. */
    field?: string,
    options?: { cause?: unknown },
  ) {
    super(code, kind, message, field === undefined ? {} : { field });
    this.name = 'AlertError';
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

export const alertNotFound = (): AlertError => new AlertError('alert.not_found', 'not_found', 'alert not found');
export const alertDestinationNotFound = (): AlertError => new AlertError('alert_destination.not_found', 'not_found', 'alert destination not found');
