"""How framework tools are gated: what every adapter takes (libs/sdk/src/adapters/tool-policies.ts)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from thoth.fail_mode import Risk
from thoth.guard import CredentialSource, Thoth


@dataclass(frozen=True)
class ToolOverride:
    """How one framework tool is gated; every field optional."""

    name: str | None = None
    """Name policies match; default `tool_name(<framework tool name>)`."""
    risk: Risk | None = None
    resource: Callable[[Any], str | None] | None = None
    """What the call touches, from its (parsed) arguments."""
    credential: CredentialSource | None = None


@dataclass(frozen=True)
class AdapterOptions:
    thoth: Thoth
    tools: Mapping[str, ToolOverride] | None = None
    """Per tool, by the framework's tool name."""
    default_risk: Risk | None = None
    """Risk of a tool neither `tools` nor the framework classifies. Default `write` (MCP: as its annotations say)."""
    tool_name: Callable[[str], str] | None = None
    """The name policies see for a framework tool name, e.g. `lambda n: f"crm.{n}"`. Default: unchanged."""


@dataclass(frozen=True)
class ResolvedTool:
    name: str
    risk: Risk
    resource: Callable[[Any], str | None] | None
    credential: CredentialSource | None


def resolve_tool(framework_name: str, options: AdapterOptions, hinted_risk: Risk | None = None) -> ResolvedTool:
    """The gate's view of one framework tool: explicit override, else the framework's hint, else the default."""
    override = (options.tools or {}).get(framework_name, ToolOverride())
    name = override.name or (options.tool_name(framework_name) if options.tool_name else framework_name)
    risk: Risk = override.risk or hinted_risk or options.default_risk or "write"
    return ResolvedTool(name=name, risk=risk, resource=override.resource, credential=override.credential)


def parse_arguments(text: str) -> Any:
    """A model's tool-call arguments (a JSON string) as sent for a decision."""
    if text.strip() == "":
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        # Not JSON: the tool's own parser will reject it; the decision records it as given.
        return {"input": text}
