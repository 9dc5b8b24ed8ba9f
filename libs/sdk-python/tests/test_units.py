"""The SDK's pure parts, beside their TypeScript twins' unit tests: retry rules, fail modes,
messages for the model, receipt verification, and approval decisions."""

from __future__ import annotations

import base64
import os

import pytest
from conftest import Enforcer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from google.protobuf.timestamp_pb2 import Timestamp

from thoth import (
    MatchedRule,
    RetryOptions,
    ThothApprovalRequiredError,
    backoff_ms,
    denied_message,
    fail_mode_for,
    is_retryable,
    key_id_of,
    receipt_keys,
    should_retry,
    unavailable_message,
    verify_receipt,
)
from thoth._gen.decision.v1 import decision_pb2 as pb
from thoth.decision import to_decision
from thoth.receipts import (
    leaf_hash,
    node_hash,
    receipt_batch_signing_payload,
    receipt_leaf_payload,
    root_from_inclusion_proof,
)


def test_retries_only_where_safe() -> None:
    assert is_retryable("UNAVAILABLE", "destructive")
    assert is_retryable("DEADLINE_EXCEEDED", "write")
    assert is_retryable("DEADLINE_EXCEEDED", "read")
    assert not is_retryable("DEADLINE_EXCEEDED", "destructive")
    for code in ("CANCELLED", "INTERNAL", "UNKNOWN", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED"):
        assert not is_retryable(code, "read")
    assert should_retry("UNAVAILABLE", "read", 2)
    assert not should_retry("UNAVAILABLE", "read", 3)
    assert not should_retry("UNAVAILABLE", "read", 1, RetryOptions(max_attempts=1))


def test_backoff_doubles_with_equal_jitter() -> None:
    assert backoff_ms(1, rand=0) == 5
    assert backoff_ms(1, rand=1) == 10
    assert backoff_ms(3, rand=0) == 20
    assert backoff_ms(2, RetryOptions(backoff_ms=100), rand=0.5) == 150


def test_fail_modes_by_risk_tier() -> None:
    assert fail_mode_for("destructive", tenant="open", fail_open_reads=True) == "closed"
    assert fail_mode_for("write", tenant="open") == "open"
    assert fail_mode_for("write") == "closed"
    assert fail_mode_for("read", fail_open_reads=True) == "open"
    assert fail_mode_for("read", tenant="open") == "open"
    assert fail_mode_for("read") == "closed"


def rule(rule_id: str, kind: str, reason: str = "because.") -> MatchedRule:
    return MatchedRule(rule_id=rule_id, reason=reason, kind=kind, severity="high")


def test_messages_for_the_model() -> None:
    assert denied_message("crm.delete", [rule("bulk", "blast_radius", "Too many.")], "", "") == (
        "Thoth blocked crm.delete: rule bulk — Too many. Do not retry, and do not split it into smaller calls "
        "to get under the limit; ask a human."
    )
    four = [rule(f"r{i}", "condition") for i in range(4)]
    assert denied_message("t", four, "", "").startswith(
        "Thoth blocked t: rules r0 — because; r1 — because; r2 — because (and 1 more)."
    )
    assert denied_message("t", [], "", "") == "Thoth blocked t: denied by policy. Do not retry; ask a human."
    assert unavailable_message("t", "destructive", "UNAVAILABLE", "down.") == (
        "t was not run: the Thoth enforcer could not be reached (UNAVAILABLE: down) and destructive tools never run "
        "unchecked. Nothing was changed. You may try again later; if it keeps failing, ask a human."
    )
    assert "did not answer in time" in unavailable_message("t", "read", "DEADLINE_EXCEEDED", "")
    assert "is not ready yet" in unavailable_message("t", "write", "NOT_READY", "")


def test_an_approval_decision_is_its_own_error() -> None:
    expires = Timestamp(seconds=1_767_229_200)
    response = pb.DecideResponse(
        decision_id="d-approval",
        request_id="r-1",
        effect=pb.EFFECT_REQUIRE_APPROVAL,
        approval_expires_at=expires,
        matched_rules=[
            pb.MatchedRule(rule_id="big-refund", reason="Refunds above 500 EUR.", kind=pb.RULE_KIND_CONDITION)
        ],
    )
    decision = to_decision(response)
    assert decision.approval_required
    assert not decision.allow
    error = ThothApprovalRequiredError("payments.refund", decision)
    assert error.code == "APPROVAL_REQUIRED"
    assert error.approval_id == "d-approval"
    assert error.expires_at is not None
    assert error.expires_at.isoformat() == "2026-01-01T01:00:00"
    assert str(error) == (
        "Thoth held payments.refund for a person's approval: rule big-refund — Refunds above 500 EUR. It was not run. "
        "A person must approve this exact call: approval request d-approval, open until 2026-01-01T01:00:00.000Z. "
        "Once it is approved, retry the same call with exactly the same arguments; a call with other arguments needs "
        "an approval of its own. Tell the user that approval request d-approval is waiting for them."
    )


def test_a_version_one_receipt_signed_by_libs_snapshot_verifies(enforcer: Enforcer) -> None:
    receipt = pb.Receipt.FromString(base64.b64decode(os.environ["THOTH_TEST_RECEIPT_V1"]))
    keys = receipt_keys([os.environ["THOTH_TEST_RECEIPT_V1_PUBLIC_KEY"]])
    assert receipt.receipt_version in (0, 1)
    assert verify_receipt(receipt, keys).ok
    receipt.reasons[0] = receipt.reasons[0].replace("Löschen", "Loschen")
    assert verify_receipt(receipt, keys).code == "BAD_SIGNATURE"
    assert verify_receipt(receipt, enforcer.receipt_keys).code == "UNKNOWN_KEY"


def test_a_version_two_batch_verifies_leaf_by_leaf() -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = key_id_of(raw)
    receipts = [
        pb.Receipt(
            decision_id=f"d{i}", key_id=key_id, receipt_version=2, outcome=pb.OUTCOME_ALLOW, batch_size=3, batch_index=i
        )
        for i in range(3)
    ]
    leaves = [leaf_hash(receipt_leaf_payload(r)) for r in receipts]
    # RFC 9162 for three leaves: root = H(H(l0, l1), l2).
    left = node_hash(leaves[0], leaves[1])
    root = node_hash(left, leaves[2])
    signature = key.sign(receipt_batch_signing_payload(key_id, 3, root, 2))
    paths = [[leaves[1], leaves[2]], [leaves[0], leaves[2]], [left]]
    keys = receipt_keys([raw])
    for receipt, path in zip(receipts, paths, strict=True):
        receipt.signature = signature
        receipt.batch_path.extend(path)
        assert root_from_inclusion_proof(receipt.batch_index, 3, leaf_hash(receipt_leaf_payload(receipt)), path) == root
        assert verify_receipt(receipt, keys).ok
    receipts[2].batch_index = 1
    assert not verify_receipt(receipts[2], keys).ok
    receipts[0].batch_path.append(leaves[0])
    assert verify_receipt(receipts[0], keys).code == "BAD_BATCH_PROOF"


def test_unknown_receipt_versions_are_refused() -> None:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    receipt = pb.Receipt(key_id=key_id_of(raw), receipt_version=9)
    assert verify_receipt(receipt, receipt_keys([raw])).code == "UNKNOWN_VERSION"


def test_a_public_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        receipt_keys([b"short"])


def test_a_call_presents_its_approval() -> None:
    from thoth import ThothClient, ToolCall

    client = ThothClient(address="127.0.0.1:1", tenant_id="t", agent_id="a", agent_token="thoth_at_x")
    request = client.request(
        ToolCall(tool="payments.refund", arguments={"amount": 900}, approval_id="d-approval"), "write"
    )
    client.close()
    assert request.approval_id == "d-approval"
    assert request.risk_tier == pb.RISK_TIER_WRITE
    assert request.arguments_json == b'{"amount":900}'
