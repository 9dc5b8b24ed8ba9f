import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';

/**
 * Traces are off unless an OTLP endpoint is configured (docs/telemetry.md). The standard variables
 * of the OpenTelemetry specification, read by each app's config module with the rest of its
 * environment, validated here:
 *
 *   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   the full URL spans are POSTed to (OTLP/HTTP protobuf)
 *   OTEL_EXPORTER_OTLP_ENDPOINT          the collector's base URL; spans go to <it>/v1/traces
 *   OTEL_SERVICE_NAME                    default: the service's own (thoth-enforcer, …)
 *   OTEL_TRACES_SAMPLER                  always_on, always_off, traceidratio, parentbased_always_on
 *                                        (the default), parentbased_always_off, parentbased_traceidratio
 *   OTEL_TRACES_SAMPLER_ARG              the ratio of the *traceidratio samplers, 0…1 (default 1)
 *
 * OTEL_EXPORTER_OTLP_HEADERS / _TRACES_HEADERS and _TIMEOUT are read by the exporter itself.
 */
export interface TracingConfig {
  /** Where spans are exported. */
  readonly url: string;
  readonly serviceName: string;
  readonly sampler: SamplerName;
  readonly samplerArg: number;
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

const url = z.url({ protocol: /^https?$/ });
const Environment = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

/** A tracing variable that cannot be used; its message names the variable. */
export class TracingConfigError extends Error {
  readonly code = 'telemetry.config_invalid';
}

/**
 * The tracing `env` asks for, or undefined (tracing off) when it names no OTLP endpoint. An empty
 * variable counts as unset, as the specification says.
 */
export function readTracingConfig(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig | undefined {
  const present = Object.fromEntries(Object.keys(Environment.shape).flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  const parsed = Environment.safeParse(present);
  if (!parsed.success) {
    throw new TracingConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
  }
  const e = parsed.data;
  const endpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT && `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (endpoint === undefined) return undefined;
  return { url: endpoint, serviceName: e.OTEL_SERVICE_NAME ?? defaultServiceName, sampler: e.OTEL_TRACES_SAMPLER, samplerArg: e.OTEL_TRACES_SAMPLER_ARG };
}

/** The sampler a configuration names; the parent-based ones follow a caller's sampled flag. */
export function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/** A service's tracing: its tracer (undefined when off: callers then do no tracing work at all) and its end. */
export interface Tracing {
  readonly tracer: Tracer | undefined;
  /** Exports the spans ended so far now, rather than at the batch's next turn. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops; resolves even when the collector is away. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { tracer: undefined, flush: async () => {}, shutdown: async () => {} };

/**
 * Starts tracing as `config` says: off (undefined) registers nothing with @opentelemetry/api and
 * returns no tracer; on, a tracer provider of the service's own (its resource names it) with a
 * batch processor exporting OTLP/HTTP protobuf, whose tracer `instrumentation` names. The first
 * provider of a process is also registered globally, with the W3C propagator and an
 * AsyncLocalStorage context manager (the embedded mode runs every service in one process).
 */
export function startTracing(config: TracingConfig | undefined, instrumentation: string, version = '0.1.0'): Tracing {
  if (config === undefined) return OFF;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: version }),
    sampler: samplerOf(config.sampler, config.samplerArg),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.url }), scheduledDelayMillis: 1_000 })],
  });
  if (!globalRegistered) {
    globalRegistered = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  }
  return {
    tracer: provider.getTracer(instrumentation, version),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown().catch(() => {}),
  };
}

let globalRegistered = false;
