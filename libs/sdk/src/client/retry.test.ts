import { describe, expect, it } from 'vitest';
import type { Risk } from '../guard/fail-mode.js';
import { backoffMs, isRetryable, shouldRetry } from './retry.js';

const RISKS: Risk[] = ['read', 'write', 'destructive'];

describe('which failed Decide calls are retried', () => {
  it('UNAVAILABLE is retried for every risk', () => {
    for (const risk of RISKS) expect(isRetryable('UNAVAILABLE', risk)).toBe(true);
  });

  it('DEADLINE_EXCEEDED is retried for read and write tools (the enforcer dedupes by request_id), never for destructive ones', () => {
    expect(isRetryable('DEADLINE_EXCEEDED', 'read')).toBe(true);
    expect(isRetryable('DEADLINE_EXCEEDED', 'write')).toBe(true);
    expect(isRetryable('DEADLINE_EXCEEDED', 'destructive')).toBe(false);
  });

  it('refusals, cancellations and internal errors are final', () => {
    for (const code of ['APPROVAL_REQUIRED', 'APPROVAL_PENDING', 'APPROVAL_USED', 'FAILED_PRECONDITION', 'UNAUTHENTICATED', 'NOT_FOUND', 'INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'CANCELLED', 'INTERNAL', 'UNKNOWN', 'UNIMPLEMENTED', 'PERMISSION_DENIED']) {
      for (const risk of RISKS) expect(isRetryable(code, risk), `${code} ${risk}`).toBe(false);
    }
  });

  it('stops at maxAttempts', () => {
    expect(shouldRetry('UNAVAILABLE', 'write', 1)).toBe(true);
    expect(shouldRetry('UNAVAILABLE', 'write', 2)).toBe(true);
    expect(shouldRetry('UNAVAILABLE', 'write', 3)).toBe(false);
    expect(shouldRetry('UNAVAILABLE', 'write', 1, { maxAttempts: 1 })).toBe(false);
  });

  it('backs off exponentially, jittered within the upper half', () => {
    expect(backoffMs(1, { backoffMs: 10 }, () => 0)).toBe(5);
    expect(backoffMs(1, { backoffMs: 10 }, () => 1)).toBe(10);
    expect(backoffMs(3, { backoffMs: 10 }, () => 0)).toBe(20);
    expect(backoffMs(3, { backoffMs: 10 }, () => 1)).toBe(40);
  });
});
