import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import pg from 'pg';

/**
 * pg's Client with a span around each query (docs/telemetry.md), for the pool of a process that
 * traces: a child of whatever span is active (an HTTP request, a fold), named after the statement's
 * first word, with the statement text (bounded; parameters are never recorded). Written here
 * rather than taken from @opentelemetry/instrumentation-pg, which patches pg by hooking `require`
 * and needs a loader hook for ES modules before pg is imported; this needs neither.
 */
export function tracedClientClass(tracer: Tracer, database: string): typeof pg.Client {
  return class TracedClient extends pg.Client {
    override query(...args: unknown[]): never {
      const first = args[0] as { text?: unknown; submit?: unknown } | string | undefined;
      const text = typeof first === 'string' ? first : typeof first?.text === 'string' ? first.text : undefined;
      // A Submittable (a cursor, a stream) is left as it is.
      if (text === undefined || (typeof first === 'object' && typeof first.submit === 'function')) return (super.query as (...a: unknown[]) => never)(...args);
      const span = tracer.startSpan(
        `${operationOf(text)} ${database}`,
        { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.namespace': database, 'db.query.text': text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text } },
        context.active(),
      );
      const callback = args[args.length - 1];
      if (typeof callback === 'function') {
        args[args.length - 1] = (error: Error | undefined, result: unknown) => {
          endQuery(span, error, result);
          return (callback as (e: unknown, r: unknown) => unknown)(error, result);
        };
        return context.with(trace.setSpan(context.active(), span), () => (super.query as (...a: unknown[]) => never)(...args));
      }
      const promise = context.with(trace.setSpan(context.active(), span), () => (super.query as (...a: unknown[]) => Promise<unknown>)(...args));
      return promise.then(
        (result) => {
          endQuery(span, undefined, result);
          return result;
        },
        (error: unknown) => {
          endQuery(span, error as Error, undefined);
          throw error;
        },
      ) as never;
    }
  };
}

const MAX_TEXT = 2_048;

function endQuery(span: Span, error: Error | undefined, result: unknown): void {
  if (error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? error.message });
  } else {
    const rows = (result as { rowCount?: unknown } | undefined)?.rowCount;
    if (typeof rows === 'number') span.setAttribute('db.response.returned_rows', rows);
  }
  span.end();
}

/** SELECT, INSERT, BEGIN, … of a statement; `query` when it starts otherwise (a comment, a WITH). */
function operationOf(text: string): string {
  const word = /^\s*([A-Za-z]+)/.exec(text)?.[1];
  return word === undefined ? 'query' : word.toUpperCase();
}
