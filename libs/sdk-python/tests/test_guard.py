"""guard() and ThothClient against a real enforcer (the TypeScript one, over gRPC on loopback);
the Python twin of test/integration/sdk/guard.test.ts."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
from typing import Any

import pytest
from conftest import Enforcer, MakeThoth, report
from relay import FreezingRelay

from thoth import (
    Thoth,
    ThothApprovalRequiredError,
    ThothDeniedError,
    ThothUnavailableError,
    ToolCall,
    credential_fingerprint,
    verify_receipt,
)
from thoth._gen.decision.v1 import decision_pb2 as pb


class Crm:
    """A CRM with a side effect we can observe."""

    def __init__(self) -> None:
        self.deleted: list[int] = []

    def delete_records(self, table: str, ids: list[int]) -> dict[str, int]:
        self.deleted.extend(ids)
        return {"deleted": len(ids)}

    async def delete_records_async(self, table: str, ids: list[int]) -> dict[str, int]:
        self.deleted.extend(ids)
        return {"deleted": len(ids)}


def test_runs_an_allowed_call_sent_with_resource_and_credential_fingerprint(make_thoth: MakeThoth) -> None:
    t = make_thoth()

    @t.thoth.guard(
        name="crm.read_contacts", risk="read", resource=lambda id: f"crm://contacts/{id}", credential="crm-key-1"
    )
    def read_contacts(id: int) -> dict[str, Any]:
        return {"id": id, "name": "Ada"}

    assert read_contacts(42) == {"id": 42, "name": "Ada"}
    [event] = t.events
    assert event.outcome == "allow"
    assert event.decision is not None
    assert event.decision.allow
    report(
        kind="credential",
        decision_id=event.decision.decision_id,
        token="crm-key-1",
        resource="crm://contacts/42",
    )


async def test_runs_an_allowed_async_call(make_thoth: MakeThoth) -> None:
    t = make_thoth()

    async def read_contacts(id: int) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"id": id}

    guarded = t.thoth.guard(read_contacts, name="crm.read_contacts", risk="read", credential=lambda: "crm-key-2")
    assert await guarded(7) == {"id": 7}
    [event] = t.events
    assert event.outcome == "allow"
    assert event.decision is not None
    report(kind="credential", decision_id=event.decision.decision_id, token="crm-key-2", resource="")


def assert_freeze_denial(error: ThothDeniedError, enforcer: Enforcer, tool: str = "crm.delete_records") -> None:
    assert error.code == "DENIED"
    assert error.rule == "code-freeze"
    assert "code-freeze" in [r.rule_id for r in error.matched_rules]
    assert next(r for r in error.matched_rules if r.rule_id == "code-freeze").kind == "freeze_window"
    assert error.reason is not None
    assert "code-freeze" in error.reason
    assert str(error).startswith(f"Thoth blocked {tool}: rule code-freeze — freeze 'code-freeze' in effect")
    assert str(error).endswith("Do not retry while the freeze lasts; ask a human.")
    assert error.receipt is not None
    assert error.receipt.outcome == pb.OUTCOME_DENY
    assert error.receipt.decision_id == error.decision_id
    check = verify_receipt(error.receipt, enforcer.receipt_keys)
    assert check.ok, check.message


def test_does_not_run_a_denied_call_typed_error_rule_reason_receipt(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth()
    crm = Crm()
    guarded = t.thoth.guard(crm.delete_records, name="crm.delete_records", risk="destructive")
    with pytest.raises(ThothDeniedError) as caught:
        guarded("executives", [1, 2, 3])
    assert crm.deleted == []
    assert_freeze_denial(caught.value, enforcer)
    assert [e.outcome for e in t.events] == ["deny"]


async def test_does_not_run_a_denied_async_call(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth()
    crm = Crm()
    guarded = t.thoth.guard(crm.delete_records_async, name="crm.delete_records", risk="destructive")
    with pytest.raises(ThothDeniedError) as caught:
        await guarded(table="executives", ids=[1])
    assert crm.deleted == []
    assert_freeze_denial(caught.value, enforcer)


def test_a_tampered_receipt_does_not_verify(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth()
    decision = t.thoth.client.decide(ToolCall(tool="crm.delete_records", arguments={"ids": [1]}))
    assert decision.receipt is not None
    assert verify_receipt(decision.receipt, enforcer.receipt_keys).ok
    assert decision.receipt.receipt_version == 3
    for change in ("tool", "outcome", "event_digest", "signature", "batch_size", "key_id"):
        forged = pb.Receipt()
        forged.CopyFrom(decision.receipt)
        if change == "tool":
            forged.tool = "crm.read_contacts"
        elif change == "outcome":
            forged.outcome = pb.OUTCOME_ALLOW
        elif change == "event_digest":
            forged.event_digest = "0" * 64
        elif change == "signature":
            forged.signature = bytes(64)
        elif change == "batch_size":
            forged.batch_size += 1
        else:
            forged.key_id = "ed25519:0000000000000000"
        assert not verify_receipt(forged, enforcer.receipt_keys).ok, change


def test_shadow_mode_runs_the_call_and_reports_the_would_deny(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth(tenant_id=enforcer.shadow_tenant)
    crm = Crm()
    t.thoth.guard(crm.delete_records, name="crm.delete_records", risk="destructive")("executives", [7])
    assert crm.deleted == [7]
    [event] = t.events
    assert event.outcome == "shadow_deny"
    assert event.decision is not None
    assert event.decision.receipt is not None
    assert event.decision.receipt.outcome == pb.OUTCOME_WOULD_DENY
    assert isinstance(event.error, ThothDeniedError)
    assert "code-freeze" in [r.rule_id for r in event.error.matched_rules]


@pytest.mark.parametrize("transport", ["stream", "unary"])
def test_a_bad_agent_token_is_refused_and_the_tool_does_not_run(make_thoth: MakeThoth, transport: str) -> None:
    t = make_thoth(agent_token="thoth_at_wrong", transport=transport)
    ran = []
    guarded = t.thoth.guard(lambda: ran.append(1), name="crm.read_contacts", risk="read")
    with pytest.raises(ThothDeniedError) as caught:
        guarded()
    assert ran == []
    assert caught.value.code == "UNAUTHENTICATED"
    assert caught.value.decision_id == ""
    assert str(caught.value).startswith(
        "Thoth refused to check crm.read_contacts (UNAUTHENTICATED: no agent of this tenant holds this token: "
        "check the tenant id, the agent id and the token), so it was not run."
    )


def test_pipelines_many_calls_over_decide_stream_and_unary_with_the_same_answers(
    make_thoth: MakeThoth, enforcer: Enforcer
) -> None:
    stream = make_thoth().thoth.client
    unary = make_thoth(transport="unary").thoth.client
    tools = ["crm.delete_records" if i % 4 == 0 else "crm.read_contacts" for i in range(200)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        decisions = list(pool.map(lambda tool: stream.decide(ToolCall(tool=tool, arguments={})), tools))
        unary_decisions = list(pool.map(lambda tool: unary.decide(ToolCall(tool=tool, arguments={})), tools))
    assert [d.allow for d in decisions] == [tool == "crm.read_contacts" for tool in tools]
    assert len({d.decision_id for d in decisions}) == 200
    assert [d.allow for d in unary_decisions] == [d.allow for d in decisions]
    # Receipts come batch-signed (version 3): many of these share a batch, each with its own path.
    assert max(d.receipt.batch_size for d in decisions if d.receipt) > 1
    for d in decisions + unary_decisions:
        assert d.receipt is not None
        assert verify_receipt(d.receipt, enforcer.receipt_keys).ok


async def test_pipelines_async_calls_over_one_stream(make_thoth: MakeThoth) -> None:
    client = make_thoth().thoth.client
    tools = ["crm.delete_records" if i % 3 == 0 else "crm.read_contacts" for i in range(150)]
    decisions = await asyncio.gather(*(client.decide_async(ToolCall(tool=tool)) for tool in tools))
    assert [d.allow for d in decisions] == [tool == "crm.read_contacts" for tool in tools]
    assert [d.request_id for d in decisions] == [d.response.request_id for d in decisions]


def test_a_repeated_request_id_gets_the_first_decision(make_thoth: MakeThoth) -> None:
    client = make_thoth().thoth.client
    first = client.decide(ToolCall(tool="crm.delete_records", request_id="py-repeat-1"))
    again = client.decide(ToolCall(tool="crm.delete_records", request_id="py-repeat-1"))
    assert again.decision_id == first.decision_id
    assert again.receipt == first.receipt


def test_credentials_leave_only_as_fingerprints(make_thoth: MakeThoth) -> None:
    t = make_thoth()
    request = t.thoth.client.request(
        ToolCall(tool="crm.read_contacts", credential_fingerprint=credential_fingerprint("s3cret"))
    )
    assert request.credential_fingerprint == hashlib.sha256(b"s3cret").hexdigest()
    assert b"s3cret" not in request.SerializeToString()


# When the enforcer is gone or hangs: fail modes by risk tier, retries only where safe.


def gone(address: str, **settings: Any) -> tuple[Thoth, list[str]]:
    outcomes: list[str] = []
    thoth = Thoth(
        address=address,
        tenant_id="t",
        agent_id="a",
        agent_token="thoth_at_x",
        deadline_ms=settings.pop("deadline_ms", 5_000),
        on_decision=lambda e: outcomes.append(e.outcome),
        **settings,
    )
    return thoth, outcomes


def test_unreachable_destructive_fails_closed_and_reads_follow_fail_open_reads(unreachable_address: str) -> None:
    from thoth import RetryOptions

    thoth, outcomes = gone(
        unreachable_address, fail_mode="open", fail_open_reads=True, retry=RetryOptions(backoff_ms=1)
    )
    runs = {"delete": 0, "read": 0}
    delete = thoth.guard(
        lambda: runs.__setitem__("delete", runs["delete"] + 1), name="crm.delete_records", risk="destructive"
    )
    read = thoth.guard(lambda: runs.__setitem__("read", runs["read"] + 1), name="crm.read_contacts", risk="read")
    with pytest.raises(ThothUnavailableError) as caught:
        delete()
    read()
    thoth.close()
    assert runs == {"delete": 0, "read": 1}
    assert caught.value.code == "UNAVAILABLE"
    assert caught.value.attempts == 3  # UNAVAILABLE is retried, with the same request id
    assert str(caught.value).startswith(
        "crm.delete_records was not run: the Thoth enforcer could not be reached (UNAVAILABLE"
    )
    assert outcomes == ["fail_closed", "fail_open"]


async def test_unreachable_reads_fail_closed_without_fail_open_reads(unreachable_address: str) -> None:
    from thoth import RetryOptions

    thoth, outcomes = gone(unreachable_address, retry=RetryOptions(backoff_ms=1))

    async def read() -> str:
        return "ran"

    with pytest.raises(ThothUnavailableError) as caught:
        await thoth.guard(read, name="crm.read_contacts", risk="read")()
    thoth.close()
    assert "this read tool is set to fail closed" in str(caught.value)
    assert outcomes == ["fail_closed"]


@pytest.mark.parametrize("transport", ["stream", "unary"])
@pytest.mark.parametrize(("risk", "attempts"), [("destructive", 1), ("write", 3), ("read", 3)])
def test_a_hanging_enforcer_is_asked_again_only_where_safe(
    freezing_relay: FreezingRelay, enforcer: Enforcer, transport: str, risk: str, attempts: int
) -> None:
    from thoth import RetryOptions

    thoth, outcomes = gone(
        freezing_relay.address,
        deadline_ms=200,
        retry=RetryOptions(backoff_ms=1),
        transport=transport,
    )
    thoth.client.connect()
    freezing_relay.frozen.set()
    with pytest.raises(ThothUnavailableError) as caught:
        thoth.check("crm.tool", risk)  # type: ignore[arg-type]
    thoth.close()
    assert caught.value.code == "DEADLINE_EXCEEDED"
    assert caught.value.attempts == attempts
    assert outcomes == ["fail_closed"]


def test_a_call_held_for_approval_does_not_run_and_raises_approval_required(
    make_thoth: MakeThoth, enforcer: Enforcer
) -> None:
    t = make_thoth()
    refunds: list[int] = []

    @t.thoth.guard(name="payments.refund", risk="write")
    def refund(amount: int, order: str) -> None:
        refunds.append(amount)

    refund(100, "o-small")  # under the threshold: allowed
    with pytest.raises(ThothApprovalRequiredError) as caught:
        refund(900, "o-1")
    assert refunds == [100]
    error = caught.value
    assert error.code == "APPROVAL_REQUIRED"
    assert error.approval_id == error.decision_id != ""
    assert error.expires_at is not None
    assert error.rule == "big-refunds"
    assert str(error).startswith(
        "Thoth held payments.refund for a person's approval: rule big-refunds — Refunds above 500 need a person. "
        "It was not run."
    )
    assert error.receipt is not None
    assert error.receipt.outcome == pb.OUTCOME_APPROVAL_REQUIRED
    assert verify_receipt(error.receipt, enforcer.receipt_keys).ok
    assert [e.outcome for e in t.events] == ["allow", "approval_required"]
