import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { spanContextOf, validTraceParent } from '@thoth/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * A server span per HTTP request (docs/telemetry.md), named by its route's pattern (`GET
 * /v1/agents/:id`, never the path with its ids), continuing the caller's `traceparent` when it is
 * well formed, and active while the request is handled, so that the database calls it makes are
 * its children. Hooks of Fastify's own rather than @opentelemetry/instrumentation-http and
 * -fastify, which patch modules through a require hook the ES-module services do not load.
 */
export function traceRequests(fastify: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched route';
    const header = request.headers['traceparent'];
    const parent = spanContextOf(validTraceParent(typeof header === 'string' ? header : undefined));
    const span = tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route, 'url.scheme': request.protocol },
    }, parent);
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
