import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { Effect, type DecideRequest, type DecideResponse, type Enforcer } from '@thoth/contracts';
import type { HandlerContext, ServiceHandlers } from '@thoth/grpc';
import { formatTraceParent, spanContextOf, validTraceParent } from '@thoth/telemetry';
import { bearerToken, type DecisionService, type PendingDecision } from './decision-service.js';
import type { EnforcerMetrics } from './metrics.js';

/** Decisions of one DecideStream decided but not yet answered, at most; reading pauses beyond. */
const STREAM_IN_FLIGHT = 1024;

/**
 * `thoth.decision.v1.Enforcer` over the DecisionService. Decide answers a refused request
 * with its gRPC status (the error code in trailing metadata, and the recorded decision's id
 * once the agent was authenticated); DecideStream answers it in-band (effect DENY, error_code
 * set) so one bad request does not end a pipelined stream. The agent token is read from each
 * call's metadata, the peer's address from its connection.
 *
 * DecideStream is pipelined: requests are decided as they arrive (in order), and answered
 * in the same order as their receipts are signed, so the decisions a stream delivers in
 * one turn of the event loop share one receipt batch.
 *
 * Traces (docs/telemetry.md): a unary Decide continues the trace of its `traceparent` metadata
 * (a malformed one is dropped) and records it in its DecisionEvent, so the ledger's fold continues
 * it; with a `tracer` (tracing on) inside a span of its own, whose context the event carries
 * instead. DecideStream carries one metadata for many calls, so it continues no trace.
 */
export function enforcerHandlers(service: DecisionService, metrics?: EnforcerMetrics, tracer?: Tracer): ServiceHandlers<typeof Enforcer> {
  const unaryLatency = metrics?.latency.labels({ method: 'Decide' });
  const streamLatency = metrics?.latency.labels({ method: 'DecideStream' });
  return {
    // Chosen once: with tracing off, Decide is what it was but for reading the caller's traceparent.
    decide:
      tracer === undefined
        ? async (request: DecideRequest, context: HandlerContext) => {
            const started = process.hrtime.bigint();
            const pending = service.start(request, bearerToken(context.metadata), peerAddress(context.peer), validTraceParent(context.metadata.get(TRACEPARENT)[0]));
            await pending.signed;
            unaryLatency?.observe(Number(process.hrtime.bigint() - started) / 1e9);
            if (!pending.result.ok) throw pending.result.error;
            return pending.result.response;
          }
        : (request: DecideRequest, context: HandlerContext) =>
            tracedDecide(tracer, service, request, context, validTraceParent(context.metadata.get(TRACEPARENT)[0]), process.hrtime.bigint(), unaryLatency),
    getApproval(request, context) {
      return service.approvalStatus(request, bearerToken(context.metadata), peerAddress(context.peer));
    },
    async *decideStream(requests: AsyncIterable<DecideRequest>, context: HandlerContext) {
      const token = bearerToken(context.metadata);
      const peer = peerAddress(context.peer);
      const queue: { pending: PendingDecision; started: bigint }[] = [];
      let head = 0;
      let done = false;
      let failure: { error: unknown } | undefined;
      let stopped = false;
      let wakeWriter: (() => void) | undefined;
      let wakeReader: (() => void) | undefined;
      const wake = () => {
        const w = wakeWriter;
        wakeWriter = undefined;
        w?.();
      };
      const reader = (async () => {
        try {
          for await (const request of requests) {
            const started = process.hrtime.bigint();
            queue.push({ pending: service.start(request, token, peer), started });
            wake();
            if (stopped) break;
            while (queue.length - head >= STREAM_IN_FLIGHT && !stopped) await new Promise<void>((r) => (wakeReader = r));
            if (stopped) break;
          }
        } catch (error) {
          failure = { error };
        } finally {
          done = true;
          wake();
        }
      })();
      try {
        for (;;) {
          if (head < queue.length) {
            const item = queue[head]!;
            queue[head++] = undefined as never;
            if (head > 4096 && head * 2 > queue.length) {
              queue.splice(0, head);
              head = 0;
            }
            const r = wakeReader;
            wakeReader = undefined;
            r?.();
            await item.pending.signed;
            streamLatency?.observe(Number(process.hrtime.bigint() - item.started) / 1e9);
            yield item.pending.result.response as DecideResponse;
            continue;
          }
          if (done) break;
          await new Promise<void>((r) => (wakeWriter = r));
        }
        if (failure) throw failure.error;
      } finally {
        // Stop reading (the reader ends at its next request, or when the call ends).
        stopped = true;
        wakeReader?.();
        void reader;
      }
    },
  };
}

const TRACEPARENT = 'traceparent';

/** A unary Decide inside its server span (sampled as the caller's trace says, parent-based), which its event names. */
async function tracedDecide(
  tracer: Tracer,
  service: DecisionService,
  request: DecideRequest,
  context: HandlerContext,
  incoming: string | undefined,
  started: bigint,
  latency: { observe(seconds: number): void } | undefined,
): Promise<DecideResponse> {
  const span = tracer.startSpan(
    'thoth.decision.v1.Enforcer/Decide',
    { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': 'thoth.decision.v1.Enforcer', 'rpc.method': 'Decide', 'thoth.tenant.id': request.tenantId, 'thoth.tool': request.tool } },
    spanContextOf(incoming),
  );
  try {
    const pending = service.start(request, bearerToken(context.metadata), peerAddress(context.peer), formatTraceParent(span.spanContext()));
    await pending.signed;
    latency?.observe(Number(process.hrtime.bigint() - started) / 1e9);
    const { response } = pending.result;
    span.setAttributes({ 'thoth.decision.id': response.decisionId, 'thoth.decision.effect': Effect[response.effect] ?? String(response.effect), 'thoth.decision.shadow': response.shadow });
    if (response.errorCode !== '') span.setAttribute('thoth.error_code', response.errorCode);
    if (!pending.result.ok) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: pending.result.error.code });
      throw pending.result.error;
    }
    return response;
  } finally {
    span.end();
  }
}

/** The address of `address:port` (HandlerContext.peer, both servers; IPv6 unbracketed). */
function peerAddress(peer: string): string {
  return peer.replace(/:\d+$/, '');
}
