"""The MCP Python SDK behind Thoth against a real enforcer: a guarded client session and a guarding
proxy server, in front of a real MCP server (FastMCP) over in-memory transports."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Enforcer, MakeThoth
from google.protobuf.json_format import ParseDict
from mcp.server.fastmcp import FastMCP
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import TextContent, ToolAnnotations
from test_guard import assert_freeze_denial

from thoth import ThothDeniedError, verify_receipt
from thoth._gen.decision.v1 import decision_pb2 as pb
from thoth.mcp import THOTH_META_KEY, create_guarding_proxy, guard_mcp_session


def crm_server(deleted: list[int]) -> FastMCP:
    server = FastMCP("crm")

    @server.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def read_contacts(id: int) -> str:
        """Reads a contact."""
        return f"contact {id}: Ada"

    @server.tool(annotations=ToolAnnotations(destructiveHint=True))
    def delete_records(table: str, ids: list[int]) -> str:
        """Deletes records."""
        deleted.extend(ids)
        return f"deleted {len(ids)}"

    return server


def text(result: Any) -> str:
    [content] = result.content
    assert isinstance(content, TextContent)
    return content.text


async def test_a_guarded_client_session(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth()
    deleted: list[int] = []
    async with create_connected_server_and_client_session(crm_server(deleted)) as session:
        guarded = guard_mcp_session(session, t.thoth, tool_name=lambda n: f"crm.{n}")
        assert text(await guarded.call_tool("read_contacts", {"id": 42})) == "contact 42: Ada"
        with pytest.raises(ThothDeniedError) as caught:
            await guarded.call_tool("delete_records", {"table": "executives", "ids": [1]})
        assert deleted == []
        assert_freeze_denial(caught.value, enforcer)
        # Risk came from the server's annotations.
        assert [(e.outcome, e.risk) for e in t.events] == [("allow", "read"), ("deny", "destructive")]


async def test_a_guarding_proxy_server(make_thoth: MakeThoth, enforcer: Enforcer) -> None:
    t = make_thoth()
    deleted: list[int] = []
    async with create_connected_server_and_client_session(crm_server(deleted)) as upstream:
        proxy = create_guarding_proxy(upstream, t.thoth, tool_name=lambda n: f"crm.{n}")
        async with create_connected_server_and_client_session(proxy) as client:
            listed = await client.list_tools()
            assert sorted(tool.name for tool in listed.tools) == ["delete_records", "read_contacts"]
            allowed = await client.call_tool("read_contacts", {"id": 7})
            assert not allowed.isError
            assert text(allowed) == "contact 7: Ada"
            denied = await client.call_tool("delete_records", {"table": "executives", "ids": [1]})
    assert deleted == []
    assert denied.isError
    assert text(denied).startswith("Thoth blocked crm.delete_records: rule code-freeze")
    assert denied.meta is not None
    meta = denied.meta[THOTH_META_KEY]
    assert meta["outcome"] == "deny"
    assert meta["code"] == "DENIED"
    assert any(r.startswith("code-freeze: ") for r in meta["reasons"])
    receipt = ParseDict(meta["receipt"], pb.Receipt())
    assert receipt.decision_id == meta["decisionId"]
    assert verify_receipt(receipt, enforcer.receipt_keys).ok
