import { TraceFlags, type SpanContext } from '@opentelemetry/api';

/**
 * The W3C trace context a decision carries (DecisionEvent.trace_parent, the `traceparent` gRPC
 * metadata of a Decide): `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`, 55 characters.
 * Whatever arrives there came from outside (an agent's metadata, a Kafka message), so it is read
 * by this one parser, bounded before it is matched: anything else — another version, upper case,
 * an all-zero id, a longer string — is not a trace context and is dropped, never an error.
 */
export const TRACE_PARENT_LENGTH = 55;
const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The remote span context `value` names, or undefined when it is not a well-formed traceparent. */
export function parseTraceParent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string' || value.length !== TRACE_PARENT_LENGTH) return undefined;
  const match = TRACE_PARENT.exec(value);
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** `value` if it is a well-formed traceparent, otherwise undefined (what is recorded or passed on). */
export function validTraceParent(value: unknown): string | undefined {
  return parseTraceParent(value) === undefined ? undefined : (value as string);
}

/** The traceparent of a span context (version 00). */
export function formatTraceParent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-0${(context.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}
