"""The Python half of the SDK conformance test (test/integration/sdk-python/conformance.test.ts):
runs each case of the JSON table given on stdin through thoth's guard and prints one result per
case, shaped as the TypeScript half's (ConformanceResult in conformance-cases.ts)."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from typing import Any

from relay import FreezingRelay

from thoth import GuardEvent, RetryOptions, Thoth, ThothDeniedError, ThothError, ThothUnavailableError
from thoth._gen.decision.v1 import decision_pb2 as pb


def unreachable() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def run(case: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    enforcer = os.environ["THOTH_TEST_ENFORCER_ADDRESS"]
    relay = FreezingRelay(enforcer) if case["reach"] == "hanging" else None
    address = relay.address if relay else unreachable() if case["reach"] == "unreachable" else enforcer
    events: list[GuardEvent] = []
    thoth = Thoth(
        address=address,
        tenant_id=os.environ["THOTH_TEST_SHADOW_TENANT" if case["tenant"] == "shadow" else "THOTH_TEST_ENFORCE_TENANT"],
        agent_id=os.environ["THOTH_TEST_AGENT_ID"],
        agent_token="thoth_at_wrong" if case.get("badToken") else os.environ["THOTH_TEST_AGENT_TOKEN"],
        deadline_ms=settings["hangingDeadlineMs"] if relay else settings["deadlineMs"],
        retry=RetryOptions(backoff_ms=1),
        transport=case["transport"],
        fail_mode=case.get("failMode", "closed"),
        fail_open_reads=case.get("failOpenReads", False),
        on_decision=events.append,
    )
    ran = False

    def tool(**_: Any) -> None:
        nonlocal ran
        ran = True

    guarded = thoth.guard(tool, name=case["tool"], risk=case["risk"])
    error: ThothError | None = None
    try:
        if relay:
            thoth.client.connect()
            relay.frozen.set()
        guarded(**case["arguments"])
    except ThothError as caught:
        error = caught
    finally:
        thoth.close()
        if relay:
            relay.close()
    event = events[0] if events else None
    denied = (
        error
        if isinstance(error, ThothDeniedError)
        else event.error
        if event and event.outcome == "shadow_deny"
        else None
    )
    decision = event.decision if event else None
    rules_of = decision.matched_rules if decision else getattr(error, "matched_rules", ())
    found = decision.receipt if decision else getattr(error, "receipt", None)
    receipt = pb.Outcome.Name(found.outcome).removeprefix("OUTCOME_") if found is not None else None
    return {
        "name": case["name"],
        "outcome": event.outcome if event else "none",
        "ran": ran,
        "rules": sorted(r.rule_id for r in rules_of),
        "errorClass": type(error).__name__ if error else None,
        "code": error.code if error else None,
        "attempts": error.attempts if isinstance(error, ThothUnavailableError) else None,
        "receipt": receipt,
        "message": model_message(str(denied)) if denied else None,
    }


def model_message(message: str) -> str:
    """As conformance-cases.ts modelMessage: this run's own approval request (id, expiry) replaced by a placeholder."""
    message = re.sub(r"approval request [0-9a-f-]{36}", "approval request <approval id>", message)
    return re.sub(r"open until \S+Z", "open until <expiry>", message)


def main() -> None:
    table = json.load(sys.stdin)
    results = [run(case, table) for case in table["cases"]]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
