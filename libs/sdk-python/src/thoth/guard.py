"""The SDK's entry point: an enforcer client plus what to do with its answers
(libs/sdk/src/guard/guard.ts). `guard` wraps a tool function, sync or async, as a decorator
or a wrapper; `check` is the gate itself, which the framework adapters use."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, Protocol, TypeVar, overload

from thoth.client import ThothClient, ThothTransportError, ToolCall
from thoth.credential import credential_fingerprint
from thoth.decision import Decision
from thoth.errors import ThothApprovalRequiredError, ThothDeniedError, ThothError, ThothUnavailableError
from thoth.fail_mode import FailMode, Risk, fail_mode_for

P = ParamSpec("P")
R = TypeVar("R")
Q = ParamSpec("Q")
S = TypeVar("S")

Outcome = Literal["allow", "shadow_deny", "deny", "approval_required", "fail_open", "fail_closed"]

CredentialSource = str | Callable[[], str | None]
"""A credential the tool uses: the token itself (fingerprinted here, never sent), or a function giving it per call."""


@dataclass(frozen=True)
class GuardEvent:
    """What happened at the gate of one tool call; given to `on_decision`."""

    outcome: Outcome
    tool: str
    risk: Risk
    decision: Decision | None = None
    error: ThothError | None = None
    """The error raised (deny, approval_required, fail_closed), or the one enforce mode would
    raise (shadow_deny)."""
    code: str = ""
    """fail_open: why Thoth could not be asked."""
    detail: str = ""


class _Decorator(Protocol):
    def __call__(self, fn: Callable[P, R], /) -> Callable[P, R]: ...


class Thoth:
    """Give it a `client`, or the client's options (`address`, `tenant_id`, `agent_id`,
    `agent_token`, …). Use one per agent process; `close()` it (or use `with`) at exit."""

    def __init__(
        self,
        client: ThothClient | None = None,
        *,
        fail_mode: FailMode = "closed",
        fail_open_reads: bool = False,
        on_decision: Callable[[GuardEvent], None] | None = None,
        **client_options: Any,
    ) -> None:
        self._owns_client = client is None
        self.client = client if client is not None else ThothClient(**client_options)
        self.fail_mode: FailMode = fail_mode
        self.fail_open_reads = fail_open_reads
        self.on_decision = on_decision

    def check(
        self,
        name: str,
        risk: Risk,
        arguments: Any = None,
        *,
        resource: str | None = None,
        credential: CredentialSource | None = None,
        approval_id: str = "",
    ) -> GuardEvent:
        """Asks Thoth about a call. Returns when the tool may run (allowed, shadow, or no answer
        with an open fail mode); raises ThothDeniedError (ThothApprovalRequiredError) when it
        must not, ThothUnavailableError when Thoth could not be asked and the mode is closed."""
        call = self._tool_call(name, arguments, resource, credential, approval_id)
        try:
            decision = self.client.decide(call, risk=risk)
        except ThothDeniedError as error:
            return self._raise(GuardEvent("deny", name, risk, None, error))
        except ThothTransportError as error:
            return self._unavailable(name, risk, error.code, error.detail, error.attempts, error.request_id)
        return self._judge(name, risk, decision)

    async def check_async(
        self,
        name: str,
        risk: Risk,
        arguments: Any = None,
        *,
        resource: str | None = None,
        credential: CredentialSource | None = None,
        approval_id: str = "",
    ) -> GuardEvent:
        """`check` for async tools: the event loop runs on while the enforcer answers."""
        call = self._tool_call(name, arguments, resource, credential, approval_id)
        try:
            decision = await self.client.decide_async(call, risk=risk)
        except ThothDeniedError as error:
            return self._raise(GuardEvent("deny", name, risk, None, error))
        except ThothTransportError as error:
            return self._unavailable(name, risk, error.code, error.detail, error.attempts, error.request_id)
        return self._judge(name, risk, decision)

    @overload
    def guard(
        self,
        fn: Callable[P, R],
        /,
        *,
        risk: Risk,
        name: str | None = None,
        resource: Callable[..., str | None] | None = None,
        credential: CredentialSource | None = None,
    ) -> Callable[P, R]: ...

    @overload
    def guard(
        self,
        fn: None = None,
        /,
        *,
        risk: Risk,
        name: str | None = None,
        resource: Callable[..., str | None] | None = None,
        credential: CredentialSource | None = None,
    ) -> _Decorator: ...

    def guard(
        self,
        fn: Callable[P, R] | None = None,
        /,
        *,
        risk: Risk,
        name: str | None = None,
        resource: Callable[..., str | None] | None = None,
        credential: CredentialSource | None = None,
    ) -> Callable[P, R] | _Decorator:
        """Wraps a tool function (sync or async): each call is decided first and the function
        runs only if allowed. As a wrapper, `thoth.guard(fn, risk=...)`; as a decorator,
        `@thoth.guard(risk=...)`. The name policies match defaults to the function's name; the
        arguments sent are the call's arguments by parameter name (a single mapping argument
        is sent as it is); `resource` gets the same arguments as the tool."""

        if fn is not None:
            return self._wrap(fn, name or fn.__name__, risk, resource, credential)

        def decorate(tool: Callable[Q, S], /) -> Callable[Q, S]:
            return self._wrap(tool, name or tool.__name__, risk, resource, credential)

        return decorate

    def close(self) -> None:
        """Closes the client if this Thoth created it."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Thoth:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _wrap(
        self,
        tool: Callable[P, R],
        name: str,
        risk: Risk,
        resource: Callable[..., str | None] | None,
        credential: CredentialSource | None,
    ) -> Callable[P, R]:
        signature = inspect.signature(tool)

        def arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            bound = signature.bind(*args, **kwargs)
            values = dict(bound.arguments)
            if len(values) == 1 and isinstance(only := next(iter(values.values())), Mapping):
                return only
            return values

        if inspect.iscoroutinefunction(tool):

            @functools.wraps(tool)
            async def guarded_async(*args: Any, **kwargs: Any) -> Any:
                where = resource(*args, **kwargs) if resource else None
                await self.check_async(name, risk, arguments(args, kwargs), resource=where, credential=credential)
                return await tool(*args, **kwargs)

            return guarded_async  # type: ignore[return-value]

        @functools.wraps(tool)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            where = resource(*args, **kwargs) if resource else None
            self.check(name, risk, arguments(args, kwargs), resource=where, credential=credential)
            return tool(*args, **kwargs)

        return guarded

    def _tool_call(
        self, name: str, arguments: Any, resource: str | None, credential: CredentialSource | None, approval_id: str
    ) -> ToolCall:
        fingerprint = _fingerprint(credential)
        return ToolCall(
            tool=name,
            arguments=arguments,
            resource=resource or "",
            credential_fingerprint=fingerprint,
            approval_id=approval_id,
        )

    def _judge(self, name: str, risk: Risk, decision: Decision) -> GuardEvent:
        if decision.error_code == "NOT_READY":
            # The enforcer holds no config, so it could not apply the tenant's fail mode; we can.
            return self._unavailable(name, risk, "NOT_READY", decision.error_message, 1, decision.request_id)
        if decision.approval_required:
            return self._raise(
                GuardEvent("approval_required", name, risk, decision, ThothApprovalRequiredError(name, decision))
            )
        if not decision.allow:
            return self._raise(GuardEvent("deny", name, risk, decision, ThothDeniedError.from_decision(name, decision)))
        if decision.shadow:
            return self._emit(
                GuardEvent("shadow_deny", name, risk, decision, ThothDeniedError.from_decision(name, decision))
            )
        return self._emit(GuardEvent("allow", name, risk, decision))

    def _unavailable(self, name: str, risk: Risk, code: str, detail: str, attempts: int, request_id: str) -> GuardEvent:
        mode = fail_mode_for(risk, tenant=self.fail_mode, fail_open_reads=self.fail_open_reads)
        if mode == "open":
            return self._emit(GuardEvent("fail_open", name, risk, code=code, detail=detail))
        error = ThothUnavailableError(
            tool=name, risk=risk, request_id=request_id, code=code, detail=detail, attempts=attempts
        )
        return self._raise(GuardEvent("fail_closed", name, risk, error=error, code=code, detail=detail))

    def _emit(self, event: GuardEvent) -> GuardEvent:
        if self.on_decision is not None:
            # A logging hook must not change whether a tool runs.
            with contextlib.suppress(Exception):
                self.on_decision(event)
        return event

    def _raise(self, event: GuardEvent) -> GuardEvent:
        self._emit(event)
        assert event.error is not None
        raise event.error


_fingerprints: dict[str, str] = {}


def _fingerprint(source: CredentialSource | None) -> str:
    token = source() if callable(source) else source
    if not token:
        return ""
    fingerprint = _fingerprints.get(token)
    if fingerprint is None:
        fingerprint = credential_fingerprint(token)
        # Bounded: a process uses a handful of credentials; a rotating token must not grow this.
        if len(_fingerprints) >= 64:
            _fingerprints.clear()
        _fingerprints[token] = fingerprint
    return fingerprint
