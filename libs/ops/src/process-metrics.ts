import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * Gauges prom-client names with a `_total` suffix, which only counters may carry (promtool: "non-counter
 * metrics should not have _total suffix"); the same values are exported without the suffix, by type
 * (nodejs_active_handles{type}, nodejs_active_requests{type}, nodejs_active_resources{type}).
 */
const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * prom-client's default metrics (process_cpu_seconds_total, process_resident_memory_bytes,
 * nodejs_eventloop_lag_seconds, nodejs_heap_size_used_bytes, …) on a service's registry: once per
 * process, on the registry its /metrics serves (the one-process launcher merges its parts' registries).
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
}
