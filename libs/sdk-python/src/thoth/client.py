"""A connection to one enforcer for one agent (libs/sdk/src/client/thoth-client.ts).

One gRPC channel per client for its lifetime. Decisions go over one long-lived DecideStream
by default, pipelined: requests are written as they come, answers matched back by
request_id, each call with its own deadline. The same client serves sync and async callers:
the channel's threads do the I/O, callers wait on a future (sync) or await it (async).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from thoth._gen.decision.v1 import decision_pb2 as pb
from thoth._gen.decision.v1 import enforcer_pb2_grpc
from thoth.decision import Decision, MatchedRule, to_decision
from thoth.errors import ThothDeniedError
from thoth.fail_mode import Risk
from thoth.retry import RetryOptions, backoff_ms, should_retry

DEFAULT_DEADLINE_MS = 250.0
ERROR_CODE_HEADER = "thoth-error-code"
DECISION_ID_HEADER = "thoth-decision-id"

RISK_TIER: dict[Risk, pb.RiskTier] = {
    "read": pb.RISK_TIER_READ,
    "write": pb.RISK_TIER_WRITE,
    "destructive": pb.RISK_TIER_DESTRUCTIVE,
}

Transport = Literal["stream", "unary"]


@dataclass(frozen=True)
class ToolCall:
    """One tool call to ask about."""

    tool: str
    arguments: Any = None
    """JSON-serialisable arguments; or `arguments_json`, the exact bytes the agent produced."""
    arguments_json: bytes | str | None = None
    resource: str = ""
    """What the call touches, e.g. `crm://contacts/42`."""
    credential_fingerprint: str = ""
    """`credential_fingerprint(token)` of the credential the tool will use; never the token."""
    request_id: str | None = None
    """Default: a new UUID. Retries reuse it."""
    approval_id: str = ""
    """An approval this call presents (docs/approvals.md): the `approval_id` of the
    ThothApprovalRequiredError an earlier, identical call raised, once a person approved it."""


@dataclass(frozen=True)
class Tls:
    """TLS to the enforcer: the CA its certificate chains to; for mutual TLS the agent's certificate and key (PEM)."""

    ca_pem: bytes
    cert_pem: bytes | None = None
    key_pem: bytes | None = None


class ThothTransportError(Exception):
    """The enforcer gave no answer: every attempt failed at the transport. Carries the last gRPC
    status code; the guard turns it into its fail mode."""

    def __init__(self, code: str, detail: str, attempts: int, request_id: str) -> None:
        super().__init__(f"Decide failed after {attempts} attempt{'' if attempts == 1 else 's'}: {code}: {detail}")
        self.code = code
        self.detail = detail
        self.attempts = attempts
        self.request_id = request_id


class _Failure(Exception):
    """A failed attempt: a gRPC status name, its details and trailing metadata."""

    def __init__(self, code: str, details: str, trailers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details
        self.trailers = trailers or {}

    @classmethod
    def of(cls, error: grpc.RpcError) -> _Failure:
        call: Any = error  # a grpc.Call as well as an RpcError
        code = call.code()
        trailers = {k: v for k, v in (call.trailing_metadata() or ()) if isinstance(v, str)}
        return cls(code.name if code is not None else "UNKNOWN", call.details() or "", trailers)


_Answer = concurrent.futures.Future[pb.DecideResponse]


def _settle(future: _Answer, response: pb.DecideResponse | None = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(response)  # type: ignore[arg-type]
    except concurrent.futures.InvalidStateError:
        pass  # settled (or cancelled by an awaiting caller) meanwhile


class _OpenStream:
    def __init__(self) -> None:
        self.outbox: queue.SimpleQueue[pb.DecideRequest | None] = queue.SimpleQueue()
        self.pending: dict[str, _Answer] = {}
        self.received = 0
        self.ended = False
        self.call: Any = None

    def requests(self) -> Iterator[pb.DecideRequest]:
        while (request := self.outbox.get()) is not None:
            yield request


@dataclass
class _Sent:
    answer: _Answer
    stream: _OpenStream | None
    received_at_send: int


class _DecisionStream:
    """Decisions pipelined over one DecideStream. When it ends or breaks, every call still
    waiting fails with its status, and the next call opens a new stream."""

    def __init__(self, stub: enforcer_pb2_grpc.EnforcerStub, metadata: Sequence[tuple[str, str]]) -> None:
        self._stub = stub
        self._metadata = metadata
        self._lock = threading.Lock()
        self._current: _OpenStream | None = None

    def send(self, request: pb.DecideRequest) -> _Sent:
        answer: _Answer = concurrent.futures.Future()
        with self._lock:
            open_ = self._current or self._open()
            if request.request_id in open_.pending:
                answer.set_exception(ValueError(f"request {request.request_id} is already waiting for an answer"))
                return _Sent(answer, None, 0)
            open_.pending[request.request_id] = answer
            received = open_.received
        open_.outbox.put(request)
        return _Sent(answer, open_, received)

    def expire(self, sent: _Sent, request_id: str) -> None:
        """A call's deadline passed. Nothing at all came back since it was sent: the stream may
        be dead without having said so; drop it rather than let every call time out."""
        open_ = sent.stream
        if open_ is None:
            return
        with self._lock:
            open_.pending.pop(request_id, None)
            silent = open_.received == sent.received_at_send
        if silent:
            self._end(open_, _Failure("UNAVAILABLE", "DecideStream went silent and was reset"), cancel=True)

    def close(self) -> None:
        with self._lock:
            open_ = self._current
        if open_ is not None:
            self._end(open_, _Failure("CANCELLED", "the client was closed"), cancel=True)

    def _open(self) -> _OpenStream:
        open_ = _OpenStream()
        open_.call = self._stub.DecideStream(open_.requests(), metadata=self._metadata)
        self._current = open_
        threading.Thread(target=self._read, args=(open_,), name="thoth-decide-stream", daemon=True).start()
        return open_

    def _read(self, open_: _OpenStream) -> None:
        ended = _Failure("UNAVAILABLE", "DecideStream ended")
        try:
            for response in open_.call:
                with self._lock:
                    open_.received += 1
                    answer = open_.pending.pop(response.request_id, None)
                if answer is not None:
                    _settle(answer, response)
        except grpc.RpcError as error:
            ended = _Failure.of(error)
        self._end(open_, ended, cancel=False)

    def _end(self, open_: _OpenStream, failure: _Failure, *, cancel: bool) -> None:
        with self._lock:
            if self._current is open_:
                self._current = None
            first = not open_.ended
            open_.ended = True
            waiting = list(open_.pending.values())
            open_.pending.clear()
        if first:
            open_.outbox.put(None)
            if cancel:
                open_.call.cancel()
        for answer in waiting:
            _settle(answer, error=failure)


class ThothClient:
    """A connection to one enforcer for one agent: one gRPC channel for its lifetime (no
    handshake per call). Create one per agent process and `close()` it at exit."""

    def __init__(
        self,
        *,
        address: str,
        tenant_id: str,
        agent_id: str,
        agent_token: str,
        tls: Tls | None = None,
        deadline_ms: float = DEFAULT_DEADLINE_MS,
        retry: RetryOptions | None = None,
        transport: Transport = "stream",
        source_ip: str = "",
        source_region: str = "",
        channel_options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.tenant_id = tenant_id
        self.agent_id = agent_id
        self.deadline_ms = deadline_ms
        self.retry = retry or RetryOptions()
        self._source = pb.Source(ip=source_ip, region=source_region) if source_ip or source_region else None
        options: list[tuple[str, Any]] = [
            # Reconnect quickly after an enforcer restart: its answers are what every tool waits on.
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 2_000),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 5_000),
            *channel_options,
        ]
        if tls is None:
            self._channel = grpc.insecure_channel(address, options=options)
        else:
            credentials = grpc.ssl_channel_credentials(tls.ca_pem, tls.key_pem, tls.cert_pem)
            self._channel = grpc.secure_channel(address, credentials, options=options)
        # grpcio-tools writes no types for stubs; the messages it types (.pyi) are what matters.
        self._stub = enforcer_pb2_grpc.EnforcerStub(self._channel)  # type: ignore[no-untyped-call]
        self._metadata = (("authorization", f"Bearer {agent_token}"),)
        self._stream = _DecisionStream(self._stub, self._metadata) if transport == "stream" else None
        self._closed = False

    def connect(self, timeout_s: float = 5.0) -> None:
        """Connects now rather than on the first call; raises if not connected in time."""
        grpc.channel_ready_future(self._channel).result(timeout=timeout_s)

    def request(self, call: ToolCall, risk: Risk | None = None) -> pb.DecideRequest:
        """The DecideRequest for a call (request_id set; risk_tier when `risk` is given)."""
        if call.arguments_json is not None:
            args = call.arguments_json
        elif call.arguments is None:
            args = b"{}"
        else:
            # As JSON.stringify writes it, so both SDKs send the same bytes for the same call.
            args = json.dumps(call.arguments, separators=(",", ":"), ensure_ascii=False)
        requested_at = Timestamp()
        requested_at.GetCurrentTime()
        request = pb.DecideRequest(
            request_id=call.request_id or str(uuid.uuid4()),
            tenant_id=self.tenant_id,
            agent_id=self.agent_id,
            tool=call.tool,
            arguments_json=args.encode("utf-8") if isinstance(args, str) else args,
            resource=call.resource,
            credential_fingerprint=call.credential_fingerprint,
            requested_at=requested_at,
            approval_id=call.approval_id,
        )
        if self._source is not None:
            request.source.CopyFrom(self._source)
        if risk is not None:
            request.risk_tier = RISK_TIER[risk]
        return request

    def decide(
        self, call: ToolCall | pb.DecideRequest, *, risk: Risk | None = None, deadline_ms: float | None = None
    ) -> Decision:
        """Asks the enforcer about one call, blocking. Returns its decision (allow, deny, shadow,
        approval required, or a NOT_READY denial); raises ThothDeniedError when the enforcer
        refused the request itself, ThothTransportError when no answer came (after the retries
        `is_retryable` allows)."""
        request, tier, deadline_s = self._prepare(call, risk, deadline_ms)
        attempt = 1
        while True:
            try:
                return to_decision(self._wait(request, deadline_s))
            except _Failure as failure:
                self._raise_final(request, failure, tier, attempt)
            time.sleep(backoff_ms(attempt, self.retry) / 1000)
            attempt += 1

    async def decide_async(
        self, call: ToolCall | pb.DecideRequest, *, risk: Risk | None = None, deadline_ms: float | None = None
    ) -> Decision:
        """`decide` for async callers: the event loop is not blocked while the enforcer answers."""
        request, tier, deadline_s = self._prepare(call, risk, deadline_ms)
        attempt = 1
        while True:
            try:
                return to_decision(await self._wait_async(request, deadline_s))
            except _Failure as failure:
                self._raise_final(request, failure, tier, attempt)
            await asyncio.sleep(backoff_ms(attempt, self.retry) / 1000)
            attempt += 1

    def close(self) -> None:
        """Ends the stream (if any) and closes the channel."""
        if self._closed:
            return
        self._closed = True
        if self._stream is not None:
            self._stream.close()
        self._channel.close()

    def __enter__(self) -> ThothClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _prepare(
        self, call: ToolCall | pb.DecideRequest, risk: Risk | None, deadline_ms: float | None
    ) -> tuple[pb.DecideRequest, Risk, float]:
        if self._closed:
            raise RuntimeError("ThothClient is closed")
        request = call if isinstance(call, pb.DecideRequest) else self.request(call, risk)
        return request, risk or "write", (deadline_ms if deadline_ms is not None else self.deadline_ms) / 1000

    def _raise_final(self, request: pb.DecideRequest, failure: _Failure, risk: Risk, attempt: int) -> None:
        refusal = _refused(request, failure)
        if refusal is not None:
            raise refusal
        if not should_retry(failure.code, risk, attempt, self.retry):
            raise ThothTransportError(failure.code, failure.details, attempt, request.request_id)

    def _send(self, request: pb.DecideRequest, deadline_s: float) -> _Sent:
        if self._stream is not None:
            return self._stream.send(request)
        answer: _Answer = concurrent.futures.Future()
        call = self._stub.Decide.future(request, timeout=deadline_s, metadata=self._metadata)

        def done(finished: Any) -> None:
            try:
                _settle(answer, finished.result())
            except grpc.RpcError as error:
                _settle(answer, error=_Failure.of(error))
            except grpc.FutureCancelledError:
                _settle(answer, error=_Failure("CANCELLED", "cancelled by the caller"))

        call.add_done_callback(done)
        return _Sent(answer, None, 0)

    def _wait(self, request: pb.DecideRequest, deadline_s: float) -> pb.DecideResponse:
        sent = self._send(request, deadline_s)
        try:
            return sent.answer.result(timeout=deadline_s)
        except concurrent.futures.TimeoutError:
            raise self._expired(sent, request, deadline_s) from None

    async def _wait_async(self, request: pb.DecideRequest, deadline_s: float) -> pb.DecideResponse:
        sent = self._send(request, deadline_s)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(sent.answer), deadline_s)
        except TimeoutError:
            raise self._expired(sent, request, deadline_s) from None

    def _expired(self, sent: _Sent, request: pb.DecideRequest, deadline_s: float) -> _Failure:
        if self._stream is not None:
            self._stream.expire(sent, request.request_id)
        return _Failure("DEADLINE_EXCEEDED", f"no answer within {deadline_s * 1000:g} ms")


def _refused(request: pb.DecideRequest, failure: _Failure) -> ThothDeniedError | None:
    """A refused Decide: the enforcer said why in the trailers (and named the decision if it recorded one)."""
    code = failure.trailers.get(ERROR_CODE_HEADER)
    if code is None:
        return None
    details = failure.details
    message = details[len(code) + 2 :] if details.startswith(f"{code}: ") else details
    rule = MatchedRule(rule_id=f"request.{code.lower()}", reason=message, kind="default", severity="high")
    return ThothDeniedError(
        tool=request.tool,
        decision_id=failure.trailers.get(DECISION_ID_HEADER, ""),
        request_id=request.request_id,
        matched_rules=(rule,),
        error_code=code,
        error_message=message,
    )
