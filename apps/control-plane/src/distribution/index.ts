// Config distribution (docs/architecture.md, "Config push"): SnapshotCache holds what each tenant's
// enforcers must run; ConfigStreamServer pushes it and tracks what they activated. The cache,
// the server and the in-memory doubles are framework-free; DistributionModule wires a cache, the
// enforcers context's authenticator (enforcer tokens) and status sink (Postgres) into them.
// The stream's ports (EnforcerAuthenticator, EnforcerStatusSink, …) belong to the enforcers
// context and are re-exported here as types only.
export { SnapshotCache, type SetSnapshotResult, type SnapshotCacheOptions, type SnapshotListener, type TenantSnapshot } from './snapshot-cache.js';
export { ConfigStreamServer, type ConfigStreamServerOptions } from './config-stream-server.js';
export { InMemoryEnforcerStatusSink, StaticEnforcerAuthenticator, type EnforcerTenantStatus } from './in-memory-enforcer-status.js';
export type { AckEvent, EnforcerAuthenticator, EnforcerIdentity, EnforcerStatusSink, NackEvent } from '../modules/enforcers/index.js';
// What an enforcer runs for a tenant's state (the policy replay builds one for a candidate policy).
export { enforcerConfigOf, type TenantState } from './enforcer-config.js';
export { DistributionModule, ConfigStreamListener } from './distribution.module.js';
// The signed receipt key directory the ledger verifies decisions against, and where it is published.
export { ReceiptKeyPublisher, kafkaReceiptKeySink, type ReceiptKeySink } from './receipt-key-publisher.js';
// Strict limits' budgets, leased to enforcers (docs/fleet-state.md, "Strict limits").
export { LeaseCoordinator, LEASE_ERRORS, leaseLimit, type LeaseCoordinatorOptions, type LeaseErrorCode } from './leases/lease-coordinator.js';
export { StrictLimitLeaseRepository } from './leases/strict-limit-lease.repository.js';
