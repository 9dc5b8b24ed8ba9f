// Tables of the control plane: the event store and the read models projected from it.
// Every table with a tenant_id is isolated by row-level security (see the tenant_isolation migration).
export * from './events.table.js';
export * from './tenants.table.js';
export * from './api-keys.table.js';
export * from './agents.table.js';
export * from './credentials.table.js';
export * from './policies.table.js';
export * from './enforcers.table.js';
export * from './decision-records.table.js';
export * from './trials.table.js';
export * from './alert-destinations.table.js';
export * from './alerts.table.js';
export * from './shadow-reports.table.js';
export * from './policy-replays.table.js';
export * from './credential-usage.table.js';
export * from './credential-baselines.table.js';
export * from './decision-quarantine.table.js';
export * from './strict-limit-leases.table.js';
export * from './approval-requests.table.js';
