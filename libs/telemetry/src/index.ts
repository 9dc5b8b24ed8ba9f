export { formatTraceParent, parseTraceParent, TRACE_PARENT_LENGTH, validTraceParent } from './trace-parent.js';
export { readTracingConfig, samplerOf, startTracing, TracingConfigError, type SamplerName, type Tracing, type TracingConfig } from './tracing.js';
export { spanContextOf } from './spans.js';
