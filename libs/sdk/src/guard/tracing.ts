import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';

/**
 * The gate's span (docs/telemetry.md): when the agent's process traces with OpenTelemetry (it
 * installed @opentelemetry/api, an optional peer dependency, and registered a tracer provider),
 * each guarded call runs inside a client span `thoth.guard <tool>` whose trace context goes to the
 * enforcer with the Decide (DecideOptions.traceParent), so its Decide, the decision event and the
 * ledger's fold join the agent's trace. Without @opentelemetry/api nothing is loaded and nothing
 * is done beyond one look at a settled promise; without a provider the span does not record and
 * the call goes as it would untraced.
 */
type OtelApi = typeof OpenTelemetryApi;

let api: OtelApi | undefined;
const loaded: Promise<OtelApi | undefined> = import('@opentelemetry/api').then(
  (module) => (api = module),
  () => undefined,
);
let settled = false;
void loaded.finally(() => (settled = true));

/** What a traced gate hands the call: the traceparent to send, and where its outcome is noted. */
export interface GateTrace {
  readonly traceParent: string;
  /** The gate's outcome (GuardEvent.outcome) and the decision it was given, if any. */
  note(outcome: string, decisionId: string | undefined): void;
}

/** Runs `gate` inside the gate's span when the process traces, else as it is. */
export async function traced<R>(tool: string, risk: string, gate: (trace: GateTrace | undefined) => Promise<R>): Promise<R> {
  const otel = api ?? (settled ? undefined : await loaded);
  if (otel === undefined) return gate(undefined);
  const tracer = otel.trace.getTracer('@thoth/sdk');
  return tracer.startActiveSpan(`thoth.guard ${tool}`, { kind: otel.SpanKind.CLIENT, attributes: { 'thoth.tool': tool, 'thoth.risk': risk } }, async (span) => {
    if (!span.isRecording()) {
      span.end();
      return gate(undefined);
    }
    try {
      return await gate({ traceParent: traceParentOf(span), note: (outcome, decisionId) => noteOutcome(span, outcome, decisionId) });
    } catch (error) {
      const decisionId = (error as { decisionId?: unknown }).decisionId;
      if (typeof decisionId === 'string' && decisionId !== '') span.setAttribute('thoth.decision.id', decisionId);
      span.recordException(error as Error);
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

function noteOutcome(span: Span, outcome: string, decisionId: string | undefined): void {
  span.setAttribute('thoth.outcome', outcome);
  if (decisionId) span.setAttribute('thoth.decision.id', decisionId);
}

/** W3C traceparent (version 00) of a span. */
function traceParentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-0${(traceFlags & 1).toString(16)}`;
}
