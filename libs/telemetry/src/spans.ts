import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { parseTraceParent } from './trace-parent.js';

/**
 * The context a span continuing `traceParent` starts in: the remote parent it names, or the
 * root (a new trace) when there is none or it is malformed (parseTraceParent drops it).
 */
export function spanContextOf(traceParent: string | undefined): Context {
  const parent = traceParent === undefined || traceParent === '' ? undefined : parseTraceParent(traceParent);
  return parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
}
