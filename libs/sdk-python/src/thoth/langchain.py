"""LangChain tools (and so LangGraph's ToolNode) decided before they run: `pip install thoth-sdk[langchain]`."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_core.tools import BaseTool

from thoth.adapters import AdapterOptions, ToolOverride, resolve_tool
from thoth.errors import ThothError
from thoth.fail_mode import Risk
from thoth.guard import Thoth

T = TypeVar("T", bound=BaseTool)

_NOT_ARGUMENTS = ("run_manager", "config", "callbacks")
_deciding: contextvars.ContextVar[object] = contextvars.ContextVar("thoth_langchain_deciding", default=None)


def guard_langchain_tool(
    tool: T,
    thoth: Thoth,
    *,
    risk: Risk | None = None,
    tools: dict[str, ToolOverride] | None = None,
    default_risk: Risk | None = None,
    tool_name: Any = None,
) -> T:
    """The same tool, decided before it runs: a copy whose class is a subclass of the tool's
    own, so name, schema, response format and callbacks are the tool's; only `_run` / `_arun`,
    which LangChain calls with the validated input, are preceded by Decide with that input. A
    blocked call raises ThothDeniedError / ThothUnavailableError from `invoke`, as any failing
    tool does; give LangGraph's ToolNode `handle_tool_errors=blocked_message` to turn it into a
    ToolMessage for the model instead."""
    options = AdapterOptions(thoth=thoth, tools=tools, default_risk=default_risk, tool_name=tool_name)
    policy = resolve_tool(tool.name, options, risk)
    original = type(tool)

    def arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        values = {k: v for k, v in kwargs.items() if k not in _NOT_ARGUMENTS}
        if args:
            return args[0] if len(args) == 1 and not values else {"args": list(args), **values}
        return values

    def decide(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        call = arguments(args, kwargs)
        return call, (policy.resource(call) if policy.resource else None)

    class Guarded(original):  # type: ignore[valid-type,misc]
        # LangChain passes `config` and `run_manager` only to a `_run` whose signature names
        # them: the overrides wear the original's signature (functools.wraps).
        @functools.wraps(original._run)
        def _run(self, *args: Any, **kwargs: Any) -> Any:
            if _deciding.get() is not self:
                call, where = decide(args, kwargs)
                thoth.check(policy.name, policy.risk, call, resource=where, credential=policy.credential)
            return super()._run(*args, **kwargs)

        @functools.wraps(original._arun)
        async def _arun(self, *args: Any, **kwargs: Any) -> Any:
            call, where = decide(args, kwargs)
            await thoth.check_async(policy.name, policy.risk, call, resource=where, credential=policy.credential)
            # A tool without a coroutine runs its `_run` in an executor (the context goes along):
            # decided once, here.
            token = _deciding.set(self)
            try:
                return await super()._arun(*args, **kwargs)
            finally:
                _deciding.reset(token)

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{original.__name__}"
    guarded = tool.model_copy()
    object.__setattr__(guarded, "__class__", Guarded)
    return guarded


def guard_langchain_tools(framework_tools: Sequence[T], thoth: Thoth, /, **options: Any) -> list[T]:
    return [guard_langchain_tool(t, thoth, **options) for t in framework_tools]


def blocked_message(error: ThothError) -> str:
    """For LangGraph's `ToolNode(handle_tool_errors=blocked_message)`: a blocked call becomes a
    ToolMessage with the model-facing reason (ToolNode reads the exception types to catch from
    this signature; any other error still raises)."""
    return str(error)
