"""Typed errors whose message is written for the model that called the tool (libs/sdk/src/errors.ts)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from thoth._gen.decision.v1 import decision_pb2 as pb
from thoth.decision import Decision, MatchedRule
from thoth.fail_mode import Risk


class ThothError(Exception):
    """Every error the SDK raises instead of running a tool."""

    code: str
    tool: str
    request_id: str


class ThothDeniedError(ThothError):
    """Raised instead of running a tool the enforcer denied. `str(error)` says what was
    blocked, by which rule and why, and that the model must not retry or work around it."""

    def __init__(
        self,
        *,
        tool: str,
        decision_id: str,
        request_id: str,
        matched_rules: Sequence[MatchedRule],
        receipt: pb.Receipt | None = None,
        error_code: str = "",
        error_message: str = "",
        decision: Decision | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(message or denied_message(tool, matched_rules, error_code, error_message))
        self.code = error_code or "DENIED"
        """`DENIED` for a policy denial, else the enforcer's error code (`UNAUTHENTICATED`, …)."""
        self.tool = tool
        self.decision_id = decision_id
        self.request_id = request_id
        self.matched_rules = tuple(matched_rules)
        self.reasons = tuple(f"{r.rule_id}: {r.reason}" for r in matched_rules)
        self.receipt = receipt
        """Signed by the enforcer; None only when it refused the request before deciding."""
        self.decision = decision

    @property
    def rule(self) -> str | None:
        """The first matched rule's id."""
        return self.matched_rules[0].rule_id if self.matched_rules else None

    @property
    def reason(self) -> str | None:
        return self.matched_rules[0].reason if self.matched_rules else None

    @classmethod
    def from_decision(cls, tool: str, decision: Decision) -> ThothDeniedError:
        return cls(
            tool=tool,
            decision_id=decision.decision_id,
            request_id=decision.request_id,
            matched_rules=decision.matched_rules,
            receipt=decision.receipt,
            error_code=decision.error_code,
            error_message=decision.error_message,
            decision=decision,
        )


class ThothApprovalRequiredError(ThothDeniedError):
    """The policy asks a person to approve this exact call first (docs/approvals.md): it did not
    run. `approval_id` (the decision id) names the approval request; once a person approves it,
    the same call may be made again."""

    def __init__(self, tool: str, decision: Decision) -> None:
        super().__init__(
            tool=tool,
            decision_id=decision.decision_id,
            request_id=decision.request_id,
            matched_rules=decision.matched_rules,
            receipt=decision.receipt,
            decision=decision,
            message=approval_message(tool, decision.matched_rules, decision.decision_id, decision.approval_expires_at),
        )
        self.code = "APPROVAL_REQUIRED"
        self.approval_id = decision.decision_id
        self.expires_at: datetime | None = decision.approval_expires_at


class ThothUnavailableError(ThothError):
    """Raised instead of running a tool when the enforcer could not be asked (unreachable, too
    slow, not ready) and the tool's fail mode is closed. The call was not made."""

    def __init__(self, *, tool: str, risk: Risk, request_id: str, code: str, detail: str, attempts: int) -> None:
        super().__init__(unavailable_message(tool, risk, code, detail))
        self.code = code
        """`UNAVAILABLE`, `DEADLINE_EXCEEDED`, `NOT_READY`, …"""
        self.tool = tool
        self.risk: Risk = risk
        self.request_id = request_id
        self.attempts = attempts
        self.detail = detail


# What the model is told not to do next, by the kind of rule that stopped it: retrying
# verbatim and splitting a blocked bulk call into small ones are named outright.
ADVICE = {
    "blast_radius": "Do not retry, and do not split it into smaller calls to get under the limit; ask a human.",
    "freeze_window": "Do not retry while the freeze lasts; ask a human.",
    "kill_switch": "This agent is suspended: stop making tool calls and ask a human.",
    "credential": "Do not retry with another credential or from elsewhere; ask a human.",
    "drift": "Do not retry; ask a human to confirm this is expected.",
    "sequence": "Do not retry or continue this sequence of calls; ask a human.",
}
DEFAULT_ADVICE = "Do not retry; ask a human."
MAX_RULES_IN_MESSAGE = 3


def denied_message(tool: str, rules: Sequence[MatchedRule], error_code: str, error_message: str) -> str:
    if error_code and all(r.rule_id.startswith(("request.", "enforcer.")) for r in rules):
        # Not a policy decision: the enforcer refused the request itself (bad token, unknown agent…).
        detail = f": {_sentence(error_message)}" if error_message else ""
        return (
            f"Thoth refused to check {tool} ({error_code}{detail}), so it was not run. "
            "This is a configuration problem, not something a retry fixes; ask a human."
        )
    return f"Thoth blocked {tool}: {_because(rules, 'denied by policy')}. {_advice(rules)}"


def approval_message(tool: str, rules: Sequence[MatchedRule], approval_id: str, expires_at: datetime | None) -> str:
    """The same text as @thoth/sdk's approvalRequiredMessage (test/integration/sdk-python conformance)."""
    until = f", open until {_iso_utc_ms(expires_at)}" if expires_at else ""
    return (
        f"Thoth held {tool} for a person's approval: {_because(rules, 'the policy asks for approval')}. "
        f"It was not run. A person must approve this exact call: approval request {approval_id}{until}. "
        "Once it is approved, retry the same call with exactly the same arguments; a call with other "
        f"arguments needs an approval of its own. Tell the user that approval request {approval_id} is "
        "waiting for them."
    )


def _iso_utc_ms(moment: datetime) -> str:
    """As JavaScript's toISOString: UTC, milliseconds, `Z` (a naive datetime is UTC, as protobuf's ToDatetime gives)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return f"{utc.isoformat(timespec='milliseconds')}Z"


def unavailable_message(tool: str, risk: Risk, code: str, detail: str) -> str:
    if code == "NOT_READY":
        why = "the Thoth enforcer is not ready yet"
    elif code == "DEADLINE_EXCEEDED":
        why = "the Thoth enforcer did not answer in time"
    else:
        why = "the Thoth enforcer could not be reached"
    policy = (
        "destructive tools never run unchecked" if risk == "destructive" else f"this {risk} tool is set to fail closed"
    )
    detail_text = f": {_sentence(detail)}" if detail else ""
    return (
        f"{tool} was not run: {why} ({code}{detail_text}) and {policy}. Nothing was changed. "
        "You may try again later; if it keeps failing, ask a human."
    )


def _because(rules: Sequence[MatchedRule], default: str) -> str:
    shown = rules[:MAX_RULES_IN_MESSAGE]
    if not shown:
        return default
    more = f" (and {len(rules) - len(shown)} more)" if len(rules) > len(shown) else ""
    listed = "; ".join(f"{r.rule_id} — {_sentence(r.reason)}" for r in shown)
    return f"{'rule' if len(shown) == 1 else 'rules'} {listed}{more}"


def _advice(rules: Sequence[MatchedRule]) -> str:
    return next((ADVICE[r.kind] for r in rules[:MAX_RULES_IN_MESSAGE] if r.kind in ADVICE), DEFAULT_ADVICE)


def _sentence(text: str) -> str:
    """A reason as a clause: no trailing full stop (the message adds its own)."""
    return re.sub(r"[.\s]+$", "", text.strip())
