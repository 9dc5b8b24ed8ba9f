"""LangChain tools and LangGraph's ToolNode, guarded, against a real enforcer (no model needed)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Enforcer, MakeThoth
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import StructuredTool, tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from test_guard import assert_freeze_denial

from thoth import ThothDeniedError
from thoth.adapters import ToolOverride
from thoth.langchain import blocked_message, guard_langchain_tool, guard_langchain_tools


def crm_tools(deleted: list[int]) -> list[StructuredTool]:
    @tool
    def read_contacts(id: int) -> str:
        """Reads a contact."""
        return f"contact {id}: Ada"

    @tool
    def delete_records(table: str, ids: list[int]) -> str:
        """Deletes records."""
        deleted.extend(ids)
        return f"deleted {len(ids)}"

    return [read_contacts, delete_records]  # type: ignore[list-item]


OVERRIDES = {
    "read_contacts": ToolOverride(risk="read", resource=lambda a: f"crm://contacts/{a['id']}"),
    "delete_records": ToolOverride(risk="destructive"),
}


def test_an_allowed_tool_runs_and_a_denied_one_raises_with_a_verified_receipt(
    make_thoth: MakeThoth, enforcer: Enforcer
) -> None:
    t = make_thoth()
    deleted: list[int] = []
    read, delete = guard_langchain_tools(crm_tools(deleted), t.thoth, tools=OVERRIDES, tool_name=lambda n: f"crm.{n}")
    assert read.name == "read_contacts"
    assert read.invoke({"id": 42}) == "contact 42: Ada"
    assert t.events[0].outcome == "allow"
    assert t.events[0].decision is not None
    with pytest.raises(ThothDeniedError) as caught:
        delete.invoke({"table": "executives", "ids": [1, 2]})
    assert deleted == []
    assert_freeze_denial(caught.value, enforcer)


async def test_async_invocation_is_guarded_too(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth()
    deleted: list[int] = []
    _, delete = crm_tools(deleted)
    guarded = guard_langchain_tool(delete, t.thoth, risk="destructive", tool_name=lambda n: f"crm.{n}")
    with pytest.raises(ThothDeniedError) as caught:
        await guarded.ainvoke({"table": "executives", "ids": [3]})
    assert deleted == []
    assert_freeze_denial(caught.value, enforcer)


def test_langgraph_tool_node_gives_the_model_the_reason(make_thoth: MakeThoth) -> None:
    t = make_thoth()
    deleted: list[int] = []
    tools = guard_langchain_tools(crm_tools(deleted), t.thoth, tools=OVERRIDES, tool_name=lambda n: f"crm.{n}")
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode(tools, handle_tool_errors=blocked_message))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    calls: list[Any] = [
        {"name": "read_contacts", "args": {"id": 1}, "id": "call-1", "type": "tool_call"},
        {"name": "delete_records", "args": {"table": "executives", "ids": [9]}, "id": "call-2", "type": "tool_call"},
    ]
    result = graph.compile().invoke({"messages": [AIMessage(content="", tool_calls=calls)]})
    _, read, delete = result["messages"]
    assert isinstance(read, ToolMessage)
    assert read.content == "contact 1: Ada"
    assert isinstance(delete, ToolMessage)
    assert delete.status == "error"
    assert str(delete.content).startswith("Thoth blocked crm.delete_records: rule code-freeze")
    assert deleted == []
    assert sorted(e.outcome for e in t.events) == ["allow", "deny"]
