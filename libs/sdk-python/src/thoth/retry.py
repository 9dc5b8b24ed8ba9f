"""Which failed Decide calls are asked again, with the same request_id (libs/sdk/src/client/retry.ts).

Asking again never runs the tool twice: the tool runs only after an answer. What a retry
could do wrong is on the enforcer's side (counting the call twice in blast-radius windows,
recording it twice), and the enforcer answers a repeated request_id with the first decision
for a while (THOTH_ENFORCER_IDEMPOTENCY_TTL_MS). Hence, as in the TypeScript SDK:

- UNAVAILABLE: retried whatever the risk (mostly the request never arrived).
- DEADLINE_EXCEEDED: retried for reads and writes; never for destructive tools, which take
  their fail mode (closed) instead: a slow enforcer is usually an overloaded one, and a
  repeat counted twice is what an irreversible tool's windows must not see.
- Everything else is final (a refusal, a cancellation, an internal error).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from thoth.fail_mode import Risk

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF_MS = 10.0


@dataclass(frozen=True)
class RetryOptions:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    """Attempts in all, the first included."""
    backoff_ms: float = DEFAULT_BACKOFF_MS
    """Pause before the n-th retry: `backoff_ms * 2^(n-1)`, with jitter in its upper half."""


def is_retryable(code: str, risk: Risk) -> bool:
    if code == "UNAVAILABLE":
        return True
    if code == "DEADLINE_EXCEEDED":
        return risk != "destructive"
    return False


def should_retry(code: str, risk: Risk, attempt: int, options: RetryOptions = RetryOptions()) -> bool:
    """Whether to make attempt `attempt + 1` after attempt `attempt` (1-based) failed with `code`."""
    return attempt < options.max_attempts and is_retryable(code, risk)


def backoff_ms(retry: int, options: RetryOptions = RetryOptions(), rand: float | None = None) -> float:
    """Pause before retry number `retry` (1-based): exponential, equal jitter (libs/backoff)."""
    ceiling = options.backoff_ms * 2.0 ** (retry - 1)
    return ceiling / 2 + (random.random() if rand is None else rand) * ceiling / 2
