// Config distribution (docs/architecture.md, "Config push"): SnapshotCache holds what each tenant's
// enforcers must run; ConfigStreamServer pushes it and tracks what they activated.
// Framework-free: the control plane's Nest module wires a cache, an authenticator
// (enforcer tokens) and a status sink (Postgres) into them.
export { SnapshotCache, type SetSnapshotResult, type SnapshotCacheOptions, type SnapshotListener, type TenantSnapshot } from './snapshot-cache.js';
export { ConfigStreamServer, type ConfigStreamServerOptions } from './config-stream-server.js';
export { InMemoryEnforcerStatusSink, StaticEnforcerAuthenticator, type EnforcerTenantStatus } from './in-memory-enforcer-status.js';
// The stream's ports belong to the enforcers context (it implements them): re-exported as types only.
export type { AckEvent, EnforcerAuthenticator, EnforcerIdentity, EnforcerStatusSink, NackEvent } from '../modules/enforcers/index.js';
