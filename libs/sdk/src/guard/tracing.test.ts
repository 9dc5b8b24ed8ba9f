import { Server, ServerCredentials } from '@grpc/grpc-js';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Effect, Enforcer, type DecideRequest } from '@thoth/contracts';
import { addService } from '@thoth/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Thoth } from './guard.js';

// The gate's span (docs/telemetry.md): none, and the call on the stream as ever, while the agent's
// process registers no tracer provider; with one, a client span around the guarded call whose trace
// context goes to the enforcer in a unary Decide's `traceparent`. (One file: registration is per process.)
describe("the guard and the agent's OpenTelemetry", () => {
  let server: Server;
  let address: string;
  const calls: { method: 'decide' | 'decideStream'; traceparent: unknown }[] = [];
  const allow = (request: DecideRequest) => ({ requestId: request.requestId, decisionId: `d-${request.requestId}`, effect: Effect.ALLOW });

  beforeAll(async () => {
    server = new Server();
    addService(server, Enforcer, {
      decide: (request, ctx) => {
        calls.push({ method: 'decide', traceparent: ctx.metadata.get('traceparent')[0] });
        return allow(request);
      },
      async *decideStream(requests, ctx) {
        for await (const request of requests) {
          calls.push({ method: 'decideStream', traceparent: ctx.metadata.get('traceparent')[0] });
          yield allow(request);
        }
      },
      getApproval: () => {
        throw new Error('not used');
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  const thoth = () => new Thoth({ address, tenantId: 'acme', agentId: 'crm-agent', agentToken: 'thoth_at_x', transport: 'stream' });

  it('without a tracer provider: no trace context, the call on the stream', async () => {
    const t = thoth();
    const read = t.guard(async (id: number) => ({ id, span: trace.getActiveSpan() }), { name: 'crm.read', risk: 'read' });
    expect(await read(1)).toEqual({ id: 1, span: undefined });
    expect(calls.splice(0)).toEqual([{ method: 'decideStream', traceparent: undefined }]);
    t.close();
  });

  it("with one: a client span around the call and the tool's run, its context sent on a unary Decide", async () => {
    const exporter = new InMemorySpanExporter();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    const t = thoth();
    const read = t.guard(async (id: number) => ({ id, spanId: trace.getActiveSpan()?.spanContext().spanId }), { name: 'crm.read', risk: 'read' });
    const result = await trace.getTracer('agent').startActiveSpan('agent turn', async (turn) => {
      try {
        return await read(2);
      } finally {
        turn.end();
      }
    });
    const [gate, turn] = exporter.getFinishedSpans();
    expect(gate).toMatchObject({ name: 'thoth.guard crm.read', kind: SpanKind.CLIENT });
    expect(gate!.attributes).toEqual({ 'thoth.tool': 'crm.read', 'thoth.risk': 'read', 'thoth.outcome': 'allow', 'thoth.decision.id': expect.stringMatching(/^d-/) });
    expect(gate!.parentSpanContext?.spanId).toBe(turn!.spanContext().spanId);
    expect(result).toEqual({ id: 2, spanId: gate!.spanContext().spanId });
    expect(calls.splice(0)).toEqual([{ method: 'decide', traceparent: `00-${gate!.spanContext().traceId}-${gate!.spanContext().spanId}-01` }]);
    t.close();
  });
});
