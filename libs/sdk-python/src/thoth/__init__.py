"""thoth-sdk: every tool call of an agent goes through the Thoth enforcer's Decide before it
runs. Framework adapters are in `thoth.langchain`, `thoth.openai_agents` and `thoth.mcp`,
each installed with its extra (`thoth-sdk[langchain]`, …)."""

from thoth.client import DEFAULT_DEADLINE_MS, ThothClient, ThothTransportError, Tls, ToolCall
from thoth.credential import credential_fingerprint
from thoth.decision import Decision, MatchedRule
from thoth.errors import (
    ThothApprovalRequiredError,
    ThothDeniedError,
    ThothError,
    ThothUnavailableError,
    denied_message,
    unavailable_message,
)
from thoth.fail_mode import RISKS, FailMode, Risk, fail_mode_for, is_risk
from thoth.guard import CredentialSource, GuardEvent, Thoth
from thoth.receipts import ReceiptCheck, key_id_of, receipt_keys, verify_receipt
from thoth.retry import DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, RetryOptions, backoff_ms, is_retryable, should_retry

__all__ = [
    "DEFAULT_BACKOFF_MS",
    "DEFAULT_DEADLINE_MS",
    "DEFAULT_MAX_ATTEMPTS",
    "RISKS",
    "CredentialSource",
    "Decision",
    "FailMode",
    "GuardEvent",
    "MatchedRule",
    "ReceiptCheck",
    "RetryOptions",
    "Risk",
    "Thoth",
    "ThothApprovalRequiredError",
    "ThothClient",
    "ThothDeniedError",
    "ThothError",
    "ThothTransportError",
    "ThothUnavailableError",
    "Tls",
    "ToolCall",
    "backoff_ms",
    "credential_fingerprint",
    "denied_message",
    "fail_mode_for",
    "is_retryable",
    "is_risk",
    "key_id_of",
    "receipt_keys",
    "should_retry",
    "unavailable_message",
    "verify_receipt",
]
