"""Risk tiers and the fail mode each takes when Thoth cannot be asked (libs/sdk/src/guard/fail-mode.ts)."""

from __future__ import annotations

from typing import Literal, TypeGuard

Risk = Literal["read", "write", "destructive"]
"""How much harm a tool can do: `read` looks; `write` changes what can be corrected;
`destructive` deletes, pays, deploys: what cannot be taken back."""

FailMode = Literal["open", "closed"]

RISKS: tuple[Risk, ...] = ("read", "write", "destructive")


def fail_mode_for(risk: Risk, *, tenant: FailMode = "closed", fail_open_reads: bool = False) -> FailMode:
    """Destructive tools always fail closed (an unchecked delete is the incident Thoth exists
    to stop); writes follow the tenant's mode; reads fail open with `fail_open_reads`, else
    follow the tenant's mode."""
    if risk == "destructive":
        return "closed"
    if risk == "write":
        return tenant
    return "open" if fail_open_reads else tenant


def is_risk(value: object) -> TypeGuard[Risk]:
    return value in RISKS
