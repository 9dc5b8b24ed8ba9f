import { jitteredBackoffMs } from '@thoth/backoff';
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
 * retry could do wrong is on the enforcer's side, counting the call twice in the
 * blast-radius windows and recording it twice. The enforcer prevents that: it remembers
 * each answer by (tenant, agent, request_id) for a while (10 minutes by default,
 * `THOTH_ENFORCER_IDEMPOTENCY_TTL_MS`), and answers a repeat, even one arriving while the
 * first is still being decided, with the first decision (same decision id, same receipt),
 * neither counted nor recorded again (DecideRequest.request_id). What it does not survive
 * is an enforcer restart, or a retry sent to a different enforcer, or one sent after the
 * TTL. Hence:
 *
 * - UNAVAILABLE: retried, whatever the risk. grpc-js reports it when there was no
 *   connection to send on, or the connection broke (server restart, GOAWAY, network):
 *   mostly the request never arrived, and where it did, the same request_id gets the
 *   same decision.
 * - DEADLINE_EXCEEDED: the request most likely arrived and may have been decided (or still
 *   be). Retried for `read` and `write` tools: the same enforcer answers the repeat with
 *   that decision (retries come well within the TTL), and a write's possible double count
 *   (another enforcer, a restart in between) is one that can be corrected. Never for
 *   `destructive` tools: a slow enforcer is usually an overloaded one that retries make
 *   worse, the caller's latency budget is spent, and a repeat that does get counted twice
 *   is what the blast-radius windows of an irreversible tool must not see. They take their
 *   fail mode instead (closed).
 * - Everything else is final: a status with `thoth-error-code` is a refusal (UNAUTHENTICATED,
 *   RATE_LIMITED, REQUEST_ID_REUSED, APPROVAL_USED…) that a retry only repeats; CANCELLED
 *   means the caller gave up; INTERNAL/UNKNOWN/UNIMPLEMENTED are not transient in any way
 *   we can know.
 *
 * An answer is never retried, whatever it says: a call held for approval (EFFECT_REQUIRE_APPROVAL)
 * waits for a person, which asking again cannot hurry (docs/approvals.md; ThothClient waits
 * through GetApproval when told to).
 */
export function isRetryable(code: string, risk: Risk): boolean {
  if (code === 'UNAVAILABLE') return true;
  if (code === 'DEADLINE_EXCEEDED') return risk !== 'destructive';
  return false;
}

/** Whether to make attempt `attempt + 1` after attempt `attempt` (1-based) failed with `code`. */
export function shouldRetry(code: string, risk: Risk, attempt: number, options: RetryOptions = {}): boolean {
  return attempt < (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) && isRetryable(code, risk);
}

/** Pause before retry number `retry` (1-based): exponential with full jitter in its upper half. */
export function backoffMs(retry: number, options: RetryOptions = {}, random: () => number = Math.random): number {
  return jitteredBackoffMs(retry - 1, { baseMs: options.backoffMs ?? DEFAULT_BACKOFF_MS, jitter: 'equal' }, random);
}
