export { HealthService } from './health-service.js';
export { startOpsServer, type OpsServer, type OpsServerOptions, type OpsStatus } from './ops-server.js';
export { collectProcessMetrics } from './process-metrics.js';
export { withTimeout, type NotReady } from './readiness.js';
