"""The MCP Python SDK behind Thoth: `pip install thoth-sdk[mcp]`. A guarded client session (every
`call_tool` decided first) and a guarding proxy server (serves an upstream's tools behind Decide),
as libs/sdk/src/mcp/mcp-guard.ts."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, Literal

from google.protobuf.json_format import MessageToDict
from mcp import ClientSession, types
from mcp.server.lowlevel import Server

from thoth.adapters import AdapterOptions, ResolvedTool, ToolOverride, resolve_tool
from thoth.errors import ThothDeniedError, ThothUnavailableError
from thoth.fail_mode import Risk
from thoth.guard import Thoth

THOTH_META_KEY = "dev.thoth/decision"
"""`_meta` key of a blocked call's details in an MCP tool result."""

OnBlocked = Literal["raise", "result"]


def risk_from_annotations(annotations: types.ToolAnnotations | None) -> Risk | None:
    """An MCP tool's risk from its annotations, read with the spec's defaults: `readOnlyHint` →
    read; otherwise destructive unless `destructiveHint` is false. Annotations are the server's
    claims: they only pick the fail mode, never whether policy applies."""
    if annotations is None:
        return None
    if annotations.readOnlyHint is True:
        return "read"
    return "write" if annotations.destructiveHint is False else "destructive"


def denied_tool_result(error: ThothDeniedError | ThothUnavailableError) -> types.CallToolResult:
    """An MCP tool result for a blocked call: the model-facing reason, and the decision in `_meta`."""
    meta: dict[str, Any]
    if isinstance(error, ThothDeniedError):
        meta = {
            "outcome": "deny",
            "code": error.code,
            "tool": error.tool,
            "decisionId": error.decision_id,
            "requestId": error.request_id,
            "reasons": list(error.reasons),
        }
        if error.receipt is not None:
            meta["receipt"] = MessageToDict(error.receipt)
    else:
        meta = {
            "outcome": "unavailable",
            "code": error.code,
            "tool": error.tool,
            "requestId": error.request_id,
            "risk": error.risk,
        }
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=str(error))],
        isError=True,
        _meta={THOTH_META_KEY: meta},
    )


class _ToolHints:
    """Annotations of the tools listed so far, so calls are gated by what the server said."""

    def __init__(self) -> None:
        self._risks: dict[str, Risk | None] = {}

    def record(self, tools: list[types.Tool]) -> None:
        for tool in tools:
            self._risks[tool.name] = risk_from_annotations(tool.annotations)

    def known(self, name: str) -> bool:
        return name in self._risks

    def risk(self, name: str) -> Risk | None:
        return self._risks.get(name)


async def _list_all(session: ClientSession) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    while True:
        page = await session.list_tools(cursor=cursor) if cursor else await session.list_tools()
        tools.extend(page.tools)
        cursor = page.nextCursor
        if not cursor:
            return tools


async def _check(thoth: Thoth, tool: ResolvedTool, arguments: Mapping[str, Any] | None) -> None:
    args = dict(arguments or {})
    where = tool.resource(args) if tool.resource else None
    await thoth.check_async(tool.name, tool.risk, args, resource=where, credential=tool.credential)


class GuardedClientSession:
    """A ClientSession whose every `call_tool` goes through Decide first; everything else is the
    session unchanged. Tools are classified by their annotations (listed once, on the first call
    of a tool not yet seen), then `tools`, then `default_risk` (default: the spec's reading of no
    annotations, destructive). A blocked call raises (default) or, with `on_blocked="result"`,
    returns an error result with the reason, which is what an MCP host shows its model."""

    def __init__(
        self,
        session: ClientSession,
        thoth: Thoth,
        *,
        tools: dict[str, ToolOverride] | None = None,
        default_risk: Risk | None = None,
        tool_name: Any = None,
        on_blocked: OnBlocked = "raise",
    ) -> None:
        self.session = session
        self._options = AdapterOptions(
            thoth=thoth, tools=tools, default_risk=default_risk or "destructive", tool_name=tool_name
        )
        self._hints = _ToolHints()
        self._on_blocked = on_blocked

    async def list_tools(self, *args: Any, **kwargs: Any) -> types.ListToolsResult:
        result = await self.session.list_tools(*args, **kwargs)
        self._hints.record(result.tools)
        return result

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> types.CallToolResult:
        override = (self._options.tools or {}).get(name)
        if not self._hints.known(name) and not (override and override.risk):
            # A server without tools/list: fall back to the defaults.
            with contextlib.suppress(Exception):
                self._hints.record(await _list_all(self.session))
        tool = resolve_tool(name, self._options, self._hints.risk(name))
        try:
            await _check(self._options.thoth, tool, arguments)
        except (ThothDeniedError, ThothUnavailableError) as error:
            if self._on_blocked == "result":
                return denied_tool_result(error)
            raise
        return await self.session.call_tool(name, arguments, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def guard_mcp_session(session: ClientSession, thoth: Thoth, **options: Any) -> GuardedClientSession:
    return GuardedClientSession(session, thoth, **options)


def create_guarding_proxy(
    upstream: ClientSession,
    thoth: Thoth,
    *,
    name: str = "thoth-guarding-proxy",
    tools: dict[str, ToolOverride] | None = None,
    default_risk: Risk | None = None,
    tool_name: Any = None,
) -> Server[Any, Any]:
    """An MCP Server that serves the tools of `upstream` (an initialized ClientSession) behind
    Decide: tools/list is the upstream's list; an allowed tools/call is forwarded; a blocked one
    is answered with `isError` and the reason, and never reaches the upstream. Run it on any
    transport (e.g. `mcp.server.stdio.stdio_server()`)."""
    options = AdapterOptions(thoth=thoth, tools=tools, default_risk=default_risk or "destructive", tool_name=tool_name)
    hints = _ToolHints()
    server: Server[Any, Any] = Server(name)

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        listed = await _list_all(upstream)
        hints.record(listed)
        return listed

    # Input is validated by the upstream, which owns the schema.
    @server.call_tool(validate_input=False)  # type: ignore[untyped-decorator]
    async def call_tool(tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
        override = (options.tools or {}).get(tool)
        if not hints.known(tool) and not (override and override.risk):
            hints.record(await _list_all(upstream))
        resolved = resolve_tool(tool, options, hints.risk(tool))
        try:
            await _check(thoth, resolved, arguments)
        except (ThothDeniedError, ThothUnavailableError) as error:
            return denied_tool_result(error)
        return await upstream.call_tool(tool, arguments)

    return server
