import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's default metrics (process_cpu_seconds_total, process_resident_memory_bytes,
 * nodejs_eventloop_lag_seconds, nodejs_heap_size_used_bytes, …) on a service's registry: once per
 * process, on the registry its /metrics serves (the one-process launcher merges its parts' registries).
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
}
