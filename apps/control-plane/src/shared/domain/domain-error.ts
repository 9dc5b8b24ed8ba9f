/** One precise complaint inside a DomainError: where (a JSON pointer), what, and for sources a line and column. */
export interface DomainErrorDetail {
  path: string;
  code: string;
  message: string;
  line?: number;
  column?: number;
}

/**
 * A rule of the domain said no. `kind` tells the edge how to answer (404, 409, 422) and
 * `code` is the stable machine-readable name (`tenant.api_key_not_found`). `field` (a JSON
 * pointer into the request) or `errors` become the problem's `errors[]`.
 */
export class DomainError extends Error {
  readonly field: string | undefined;
  readonly errors: readonly DomainErrorDetail[] | undefined;

  constructor(
    readonly code: string,
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    message: string,
    details: { field?: string; errors?: readonly DomainErrorDetail[] } = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.field = details.field;
    this.errors = details.errors;
  }
}

/** `value` when there is one; otherwise the not-found error `notFound` makes is thrown (404). */
export function found<T>(value: T | null | undefined, notFound: () => DomainError): T {
  if (value === null || value === undefined) throw notFound();
  return value;
}
