// Injection tokens for what is not a class of ours.
export const CONFIG = Symbol('ControlPlaneConfig');
export const LOGGER = Symbol('pino.Logger');
export const DATABASE = Symbol('DatabaseHandle');
/** The control plane's @opentelemetry/api Tracer when tracing is on (docs/telemetry.md); null when off. */
export const TRACER = Symbol('Tracer');
/** The control plane's own receipt key (an AnnouncedKey, instance CONTROL_PLANE_INSTANCE), when approvals are served. */
export const CONTROL_PLANE_RECEIPT_KEY = Symbol('ControlPlaneReceiptKey');
/** The gRPC health service (grpc.health.v1) the config stream's server also serves, following readiness. */
export const GRPC_HEALTH = Symbol('HealthService');
