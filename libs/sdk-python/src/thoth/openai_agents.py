"""OpenAI Agents SDK function tools decided before they run: `pip install thoth-sdk[openai-agents]`."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, Literal

from agents import FunctionTool, Tool
from agents.tool_context import ToolContext

from thoth.adapters import AdapterOptions, ToolOverride, parse_arguments, resolve_tool
from thoth.errors import ThothDeniedError, ThothUnavailableError
from thoth.fail_mode import Risk
from thoth.guard import Thoth

OnBlocked = Literal["message", "raise"]


def guard_agent_tool(
    tool: FunctionTool,
    thoth: Thoth,
    *,
    risk: Risk | None = None,
    tools: dict[str, ToolOverride] | None = None,
    default_risk: Risk | None = None,
    tool_name: Any = None,
    on_blocked: OnBlocked = "message",
) -> FunctionTool:
    """The same function tool with `on_invoke_tool` decided first; the tool's own parsing and
    function run only when allowed. Arguments are sent as the model produced them (the JSON
    string the tool receives). A blocked call gives the run, with `message` (default), the
    model-facing reason as the tool's output (the SDK's own way of reporting a failed tool;
    its default error text would say to try again, the wrong advice for a denial); with
    `raise`, ThothDeniedError / ThothUnavailableError, which ends the run."""
    options = AdapterOptions(thoth=thoth, tools=tools, default_risk=default_risk, tool_name=tool_name)
    policy = resolve_tool(tool.name, options, risk)
    invoke = tool.on_invoke_tool

    async def guarded(context: ToolContext[Any], input: str) -> Any:
        args = parse_arguments(input)
        where = policy.resource(args) if policy.resource else None
        try:
            await thoth.check_async(policy.name, policy.risk, args, resource=where, credential=policy.credential)
        except (ThothDeniedError, ThothUnavailableError) as error:
            if on_blocked == "message":
                return str(error)
            raise
        return await invoke(context, input)

    copied = copy.copy(tool)
    copied.on_invoke_tool = guarded
    return copied


def guard_agent_tools(framework_tools: Sequence[Tool], thoth: Thoth, /, **options: Any) -> list[Tool]:
    """Every function tool of a list guarded; hosted and other tools are returned unchanged."""
    return [guard_agent_tool(t, thoth, **options) if isinstance(t, FunctionTool) else t for t in framework_tools]
