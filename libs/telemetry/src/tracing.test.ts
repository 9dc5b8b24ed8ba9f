import { context, propagation, trace } from '@opentelemetry/api';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTracingConfig, startTracing, TracingConfigError } from './tracing.js';

describe('tracing configuration (OTEL_*)', () => {
  it('is off without an OTLP endpoint, whatever else is set; an empty variable is unset', () => {
    expect(readTracingConfig({}, 'thoth-ledger')).toBeUndefined();
    expect(readTracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_ENDPOINT: '' }, 'thoth-ledger')).toBeUndefined();
  });

  it('exports to <endpoint>/v1/traces, or to the traces endpoint as given, which wins', () => {
    expect(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'thoth-ledger')).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'thoth-ledger',
      sampler: 'parentbased_always_on',
      samplerArg: 1,
    });
    expect(
      readTracingConfig(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp', OTEL_SERVICE_NAME: 'edge-a', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
        'thoth-enforcer',
      ),
    ).toEqual({ url: 'https://traces.example/otlp', serviceName: 'edge-a', sampler: 'parentbased_traceidratio', samplerArg: 0.01 });
  });

  it('names the variable that is wrong', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(() => readTracingConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 's')).toThrow(TracingConfigError);
    expect(() => readTracingConfig({ ...endpoint, OTEL_TRACES_SAMPLER_ARG: '2' }, 's')).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 's')).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});

describe('tracing off', () => {
  let collector: Server;
  let requests = 0;
  let endpoint: string;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      requests++;
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  it('registers nothing with @opentelemetry/api and exports nothing; on, the same spans reach the collector', async () => {
    const off = startTracing(readTracingConfig({ OTEL_SERVICE_NAME: 'thoth-ledger' }, 'thoth-ledger'), '@thoth/ledger');
    expect(off.tracer).toBeUndefined();
    // No provider, context manager or propagator: the API's no-op ones.
    const span = trace.getTracer('anyone').startSpan('work');
    expect(span.isRecording()).toBe(false);
    expect(context.with(trace.setSpan(context.active(), span), () => trace.getSpan(context.active()))).toBeUndefined();
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpanContext(context.active(), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }), carrier);
    expect(carrier).toEqual({});
    span.end();
    await off.flush();
    await off.shutdown();
    expect(requests).toBe(0);

    // The same, on: the collector hears of it (so the count above is not zero for want of a collector).
    const on = startTracing(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, 'thoth-ledger'), '@thoth/ledger');
    on.tracer!.startSpan('work').end();
    await on.flush();
    expect(requests).toBe(1);
    expect(trace.getTracer('anyone').startSpan('work').isRecording()).toBe(true);
    await on.shutdown();
  });
});
