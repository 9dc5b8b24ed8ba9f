"""OpenAI Agents SDK function tools, guarded, against a real enforcer (invoked as the Runner does, no model)."""

from __future__ import annotations

import json

import pytest
from agents import FunctionTool, function_tool
from agents.tool_context import ToolContext
from conftest import Enforcer, MakeThoth
from test_guard import assert_freeze_denial

from thoth import ThothDeniedError
from thoth.adapters import ToolOverride
from thoth.openai_agents import guard_agent_tool, guard_agent_tools


def crm_tools(deleted: list[int]) -> list[FunctionTool]:
    @function_tool
    def read_contacts(id: int) -> str:
        """Reads a contact."""
        return f"contact {id}: Ada"

    @function_tool
    async def delete_records(table: str, ids: list[int]) -> str:
        """Deletes records."""
        deleted.extend(ids)
        return f"deleted {len(ids)}"

    return [read_contacts, delete_records]


def context(tool: FunctionTool, arguments: str) -> ToolContext[None]:
    return ToolContext(context=None, tool_name=tool.name, tool_call_id="call-1", tool_arguments=arguments)


OVERRIDES = {"read_contacts": ToolOverride(risk="read"), "delete_records": ToolOverride(risk="destructive")}


async def test_an_allowed_tool_runs_and_a_denied_one_gets_the_reason(make_thoth: MakeThoth) -> None:
    t = make_thoth()
    deleted: list[int] = []
    read, delete = guard_agent_tools(crm_tools(deleted), t.thoth, tools=OVERRIDES, tool_name=lambda n: f"crm.{n}")
    assert isinstance(read, FunctionTool)
    assert isinstance(delete, FunctionTool)
    args = json.dumps({"id": 42})
    assert await read.on_invoke_tool(context(read, args), args) == "contact 42: Ada"
    args = json.dumps({"table": "executives", "ids": [1]})
    output = await delete.on_invoke_tool(context(delete, args), args)
    assert deleted == []
    assert str(output).startswith("Thoth blocked crm.delete_records: rule code-freeze")
    assert [e.outcome for e in t.events] == ["allow", "deny"]


async def test_on_blocked_raise_gives_the_typed_error_with_a_verified_receipt(
    make_thoth: MakeThoth, enforcer: Enforcer
) -> None:
    t = make_thoth()
    deleted: list[int] = []
    _, delete = crm_tools(deleted)
    guarded = guard_agent_tool(delete, t.thoth, risk="destructive", tool_name=lambda n: f"crm.{n}", on_blocked="raise")
    args = json.dumps({"table": "executives", "ids": [1]})
    with pytest.raises(ThothDeniedError) as caught:
        await guarded.on_invoke_tool(context(guarded, args), args)
    assert deleted == []
    assert_freeze_denial(caught.value, enforcer)
    assert delete.on_invoke_tool is not guarded.on_invoke_tool  # the original tool is left as it was
