"""Fixtures for tests against a real enforcer: test/integration/sdk-python starts one (the
control plane's distribution and an enforcer, test/integration/sdk/sdk-enforcer.ts) and
passes its address, tenants, agent and receipt public keys in THOTH_TEST_* variables.
Without them the enforcer tests are skipped; the vitest test that runs this suite fails on
any skip."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from relay import FreezingRelay

from thoth import GuardEvent, Thoth, receipt_keys


@dataclass(frozen=True)
class Enforcer:
    address: str
    enforce_tenant: str
    shadow_tenant: str
    agent_id: str
    agent_token: str
    receipt_keys: dict[str, Ed25519PublicKey]


@dataclass
class RecordingThoth:
    thoth: Thoth
    events: list[GuardEvent] = field(default_factory=list)


@pytest.fixture(scope="session")
def enforcer() -> Enforcer:
    address = os.environ.get("THOTH_TEST_ENFORCER_ADDRESS")
    if not address:
        pytest.skip("no enforcer: run through test/integration/sdk-python (THOTH_TEST_ENFORCER_ADDRESS unset)")
    return Enforcer(
        address=address,
        enforce_tenant=os.environ["THOTH_TEST_ENFORCE_TENANT"],
        shadow_tenant=os.environ["THOTH_TEST_SHADOW_TENANT"],
        agent_id=os.environ["THOTH_TEST_AGENT_ID"],
        agent_token=os.environ["THOTH_TEST_AGENT_TOKEN"],
        receipt_keys=receipt_keys(os.environ["THOTH_TEST_RECEIPT_PUBLIC_KEYS"].split(",")),
    )


MakeThoth = Callable[..., RecordingThoth]


@pytest.fixture
def make_thoth(enforcer: Enforcer) -> Iterator[MakeThoth]:
    """A Thoth for the test agent (enforce tenant unless `tenant_id` is given), recording its events."""
    made: list[Thoth] = []

    def make(**options: Any) -> RecordingThoth:
        recording = RecordingThoth(thoth=None)  # type: ignore[arg-type]
        settings: dict[str, Any] = {
            "address": enforcer.address,
            "tenant_id": enforcer.enforce_tenant,
            "agent_id": enforcer.agent_id,
            "agent_token": enforcer.agent_token,
            # Generous: CI machines stall; the deadline is not what these tests are about.
            "deadline_ms": 5_000,
            **options,
        }
        recording.thoth = Thoth(on_decision=recording.events.append, **settings)
        made.append(recording.thoth)
        return recording

    yield make
    for thoth in made:
        thoth.close()


def report(**line: Any) -> None:
    """A line for the vitest side, which checks it against what the enforcer recorded."""
    path = os.environ.get("THOTH_TEST_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


@pytest.fixture
def unreachable_address() -> str:
    """An address nothing listens at (a port bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"127.0.0.1:{port}"


@pytest.fixture
def freezing_relay(enforcer: Enforcer) -> Iterator[FreezingRelay]:
    relay = FreezingRelay(enforcer.address)
    yield relay
    relay.close()
