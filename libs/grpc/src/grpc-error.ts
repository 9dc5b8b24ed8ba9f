import { Metadata, status } from '@grpc/grpc-js';

/**
 * Trailing metadata naming a refusal's stable Thoth error code (e.g. `REQUEST_ID_REUSED`,
 * `LIMIT_NOT_STRICT`) beside its gRPC status: set by the enforcer and the control plane, read by the SDK.
 */
export const ERROR_CODE_HEADER = 'thoth-error-code';

/** A gRPC status code by name: 'OK', 'CANCELLED', 'DEADLINE_EXCEEDED', 'UNAUTHENTICATED', … */
export type GrpcCode = keyof typeof status;

/**
 * A failed call, the same on both sides: a handler throws one to send that status,
 * and a client rejects with one carrying the status it received.
 */
export class GrpcError extends Error {
  override readonly name = 'GrpcError';
  /** The numeric gRPC status (e.g. 4 for DEADLINE_EXCEEDED). */
  readonly status: status;

  constructor(
    readonly code: GrpcCode,
    readonly details: string,
    options: { metadata?: Metadata; cause?: unknown } = {},
  ) {
    super(`${code}: ${details}`, { cause: options.cause });
    this.status = status[code];
    this.metadata = options.metadata ?? new Metadata();
  }

  /** Trailing metadata: sent with the status by a handler, received with it by a client. */
  readonly metadata: Metadata;

  static fromStatus(code: number, details: string, metadata?: Metadata): GrpcError {
    const name = status[code] as GrpcCode | undefined;
    return new GrpcError(name ?? 'UNKNOWN', details, metadata ? { metadata } : {});
  }
}

/** What a grpc-js client reports for a failed call (its ServiceError). */
interface StatusLike {
  code: number;
  details: string;
  metadata?: Metadata;
}

function isStatusLike(err: unknown): err is StatusLike {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as StatusLike).code === 'number' &&
    typeof (err as StatusLike).details === 'string'
  );
}

/** Client side: whatever grpc-js reported, as a GrpcError. */
export function toGrpcError(err: unknown): GrpcError {
  if (err instanceof GrpcError) return err;
  if (isStatusLike(err)) return GrpcError.fromStatus(err.code, err.details, err.metadata);
  return new GrpcError('UNKNOWN', err instanceof Error ? err.message : String(err), { cause: err });
}

/**
 * Server side: the status to send for what a handler threw. Only a GrpcError's details
 * reach the client; anything else is a bug and goes out as INTERNAL without its message.
 */
export function toStatus(err: unknown): { code: status; details: string; metadata: Metadata } {
  const error = err instanceof GrpcError ? err : new GrpcError('INTERNAL', 'internal error');
  return { code: error.status, details: error.details, metadata: error.metadata };
}
