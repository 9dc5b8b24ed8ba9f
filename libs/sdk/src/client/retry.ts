import type { Risk } from '../guard/fail-mode.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Pause before the n-th retry: `backoffMs * 2^(n-1)`, with jitter. Default 10 ms. */
  readonly backoffMs?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 10;

/**
 * Whether a failed Decide may be asked again, with the same request_id.
 *
 * Asking again never runs the tool twice: the tool runs only after an answer. What a
 * retry can do wrong is on the enforcer's side: if the first attempt did reach it, that
 * call was decided, counted in the blast-radius windows and recorded, and the enforcer
 * may not (yet) recognise the request_id as a repeat, so a retry counts the call twice.
 * Hence:
 *
 * - UNAVAILABLE: retried, whatever the risk. grpc-js reports it when there was no
 *   connection to send on, or the connection broke (server restart, GOAWAY, network):
 *   mostly the request never arrived, and where it did, the same request_id lets the
 *   enforcer answer the repeat with the same decision (DecideRequest.request_id).
 * - DEADLINE_EXCEEDED: the request most likely arrived and may have been decided. Retried
 *   only for `read` tools, where a double count is harmless. Never for `write` or
 *   `destructive`: the caller's latency budget is spent, a slow enforcer is usually an
 *   overloaded one that retries make worse, and a blind repeat of a possibly counted
 *   destructive call is what the blast-radius windows must not see twice. Those tools
 *   take their fail mode instead (destructive: closed).
 * - Everything else is final: a status with `thoth-error-code` is a recorded refusal
 *   (bad token, unknown tenant…) that a retry only repeats; CANCELLED means the caller
 *   gave up; INTERNAL/UNKNOWN/UNIMPLEMENTED are not transient in any way we can know.
 */
export function isRetryable(code: string, risk: Risk): boolean {
  if (code === 'UNAVAILABLE') return true;
  if (code === 'DEADLINE_EXCEEDED') return risk === 'read';
  return false;
}

/** Whether to make attempt `attempt + 1` after attempt `attempt` (1-based) failed with `code`. */
export function shouldRetry(code: string, risk: Risk, attempt: number, options: RetryOptions = {}): boolean {
  return attempt < (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) && isRetryable(code, risk);
}

/** Pause before retry number `retry` (1-based): exponential with full jitter in its upper half. */
export function backoffMs(retry: number, options: RetryOptions = {}, random: () => number = Math.random): number {
  const base = (options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (retry - 1);
  return base / 2 + random() * (base / 2);
}
