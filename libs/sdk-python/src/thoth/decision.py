"""The enforcer's answer to one tool call, in the SDK's terms (libs/sdk/src/client/decision.ts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from thoth._gen.decision.v1 import decision_pb2 as pb

Severity = Literal["low", "medium", "high", "critical", "unspecified"]


@dataclass(frozen=True)
class MatchedRule:
    """A matched policy element, as the enforcer reported it."""

    rule_id: str
    reason: str
    kind: str
    """`condition`, `blast_radius`, `freeze_window`, `credential`, `drift`, `kill_switch`,
    `default`, `sequence`, `approval`."""
    severity: Severity


@dataclass(frozen=True)
class Decision:
    request_id: str
    decision_id: str
    allow: bool
    """What the caller must do. In shadow mode True even when policy denies."""
    shadow: bool
    """Policy would have denied (or held for approval); shadow mode let the call through."""
    approval_required: bool
    """EFFECT_REQUIRE_APPROVAL: a person must approve this call; decision_id is the request's id."""
    approval_expires_at: datetime | None
    matched_rules: tuple[MatchedRule, ...]
    policy_version: int
    policy_hash: str
    receipt: pb.Receipt | None
    """Signed by the enforcer; links the call to its ledger entry (`thoth.verify_receipt`)."""
    error_code: str
    error_message: str
    response: pb.DecideResponse


def _lower(name: str, prefix: str) -> str:
    return name.removeprefix(prefix).lower() if name else "unspecified"


def matched_rule(rule: pb.MatchedRule) -> MatchedRule:
    kind = _lower(pb.RuleKind.Name(rule.kind), "RULE_KIND_")
    severity = _lower(pb.Severity.Name(rule.severity), "SEVERITY_")
    return MatchedRule(rule_id=rule.rule_id, reason=rule.reason, kind=kind, severity=severity)  # type: ignore[arg-type]


def to_decision(response: pb.DecideResponse) -> Decision:
    approval = response.effect == pb.EFFECT_REQUIRE_APPROVAL
    expires = response.approval_expires_at.ToDatetime() if response.HasField("approval_expires_at") else None
    return Decision(
        request_id=response.request_id,
        decision_id=response.decision_id,
        allow=response.effect == pb.EFFECT_ALLOW,
        shadow=response.shadow,
        approval_required=approval,
        approval_expires_at=expires,
        matched_rules=tuple(matched_rule(r) for r in response.matched_rules),
        policy_version=response.policy_version,
        policy_hash=response.policy_hash,
        receipt=response.receipt if response.HasField("receipt") else None,
        error_code=response.error_code,
        error_message=response.error_message,
        response=response,
    )
