import { readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { readTracingConfig, TracingConfigError, type TracingConfig } from '@thoth/telemetry';
import { ALLOW_PLAINTEXT, readClientTls, readListenerTls, refusePlaintext, type ClientTls, type ListenerTls } from '@thoth/tls';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const base64Key = (bytes: number) =>
  z.string().refine((s) => /^[A-Za-z0-9+/]+=*$/.test(s) && Buffer.from(s, 'base64').length === bytes, `must be the base64 of ${bytes} bytes`);

const Environment = z
  .object({
    THOTH_ENFORCER_ID: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be an id (letters, digits, . _ : -)').optional(),
    THOTH_ENFORCER_GRPC_HOST: z.string().default('127.0.0.1'),
    THOTH_ENFORCER_GRPC_PORT: port.default(4100),
    THOTH_ENFORCER_HTTP_HOST: z.string().default('127.0.0.1'),
    THOTH_ENFORCER_HTTP_PORT: port.default(4101),
    /** `host:port` of the control plane's config stream. */
    THOTH_CONTROL_PLANE_GRPC: z.string().regex(/^[^\s,]+:\d+$/, 'must be host:port').optional(),
    THOTH_ENFORCER_TOKEN: z.string().regex(/^thoth_et_\S+$/, 'must be an enforcer token (thoth_et_…)').optional(),
    // Transport security (docs/security.md, "Transport security (TLS)"). Decide's certificate, and the
    // CA agents' certificates must chain to (mutual TLS); the CA the control plane's certificate
    // must chain to (TLS on the config stream), and the certificate presented to it (mutual TLS).
    THOTH_TLS_CERT_FILE: z.string().optional(),
    THOTH_TLS_KEY_FILE: z.string().optional(),
    THOTH_ENFORCER_GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
    THOTH_CONTROL_PLANE_CA_FILE: z.string().optional(),
    THOTH_CONTROL_PLANE_CERT_FILE: z.string().optional(),
    THOTH_CONTROL_PLANE_KEY_FILE: z.string().optional(),
    [ALLOW_PLAINTEXT]: z.enum(['true', 'false']).default('false'),
    /** Tenants to subscribe to; empty: every tenant the token allows. */
    THOTH_ENFORCER_TENANTS: list.default([]),
    /** Control-plane public keys (base64 of the raw 32-byte Ed25519 keys), comma-separated. */
    THOTH_CONFIG_PUBLIC_KEYS: z
      .string()
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(base64Key(32)).min(1, 'must name at least one key')),
    /** The enforcer's receipt-signing key: base64 of a 32-byte Ed25519 seed. */
    THOTH_ENFORCER_SIGNING_KEY: base64Key(32).optional(),
    THOTH_ENFORCER_SNAPSHOT_DIR: z.string().min(1).optional(),
    /**
     * How long snapshots the control plane has not confirmed (no push, no heartbeat: its heartbeats
     * come every 10 s) are trusted; past it writes and destructive calls are denied CONFIG_STALE and
     * /readyz says the enforcer is stale (docs/security.md, "A blocked config stream").
     */
    THOTH_ENFORCER_MAX_STALENESS_SECONDS: z.coerce.number().int().min(30).max(86_400).default(300),
    // How long a call waits for a strict limit's lease before it is denied LEASE_UNAVAILABLE.
    THOTH_LEASE_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(250),
    // How long a call presenting an approval waits for the control plane to use it before it is denied APPROVAL_UNAVAILABLE.
    THOTH_APPROVAL_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
    KAFKA_BROKERS: z
      .string()
      .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]')
      .transform((s) => s.split(','))
      .optional(),
    THOTH_DECISIONS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.decisions'),
    /**
     * Window counters shared by the tenant's enforcers through the decisions topic
     * (docs/fleet-state.md): on by default with Kafka; without Kafka there is nothing to share.
     */
    THOTH_FLEET_STATE: z.enum(['on', 'off']).optional(),
    /** How often the fleet consumer measures its lag against the topic's end offsets (/readyz `fleet.lagMessages`). */
    THOTH_FLEET_LAG_REFRESH_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /** The receipt key directory peers' decisions are verified against before they are folded. */
    THOTH_RECEIPT_KEYS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.receipt-keys'),
    THOTH_DECISION_BUFFER_SIZE: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
    THOTH_MAX_ARGUMENTS_BYTES: z.coerce.number().int().min(1).max(16 * 1024 * 1024).default(256 * 1024),
    /**
     * Live sliding-window keys (blast-radius counters): in all, created by one tenant's calls,
     * by one agent's. A key with counts in its window is never evicted; a call whose new key
     * does not fit is decided by its tenant's fail mode (docs/security.md).
     */
    THOTH_WINDOW_MAX_KEYS: z.coerce.number().int().min(1).default(100_000),
    THOTH_WINDOW_MAX_KEYS_PER_TENANT: z.coerce.number().int().min(1).default(25_000),
    THOTH_WINDOW_MAX_KEYS_PER_AGENT: z.coerce.number().int().min(1).default(5_000),
    /** How long a decision is remembered to answer a retry of its request_id with it. */
    THOTH_ENFORCER_IDEMPOTENCY_TTL_MS: z.coerce.number().int().min(1).max(24 * 3_600_000).default(10 * 60_000),
    /** Decisions remembered at most for retries; the oldest is evicted first. */
    THOTH_ENFORCER_IDEMPOTENCY_MAX_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
    /**
     * Refusals before authentication (bad token, unknown tenant or agent, …) a peer address (IPv6:
     * its /64) may have a minute before it is answered RATE_LIMITED; authenticated agents are never
     * limited by it. And how many of them are logged a minute (docs/security.md).
     */
    THOTH_ENFORCER_REFUSALS_PER_PEER_PER_MINUTE: z.coerce.number().int().min(1).max(100_000_000).default(600),
    THOTH_ENFORCER_REFUSAL_LOG_LINES_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(10),
    /** Calls open at once on one HTTP/2 connection of the gRPC listener; beyond, a client queues them. */
    THOTH_ENFORCER_GRPC_MAX_CONCURRENT_STREAMS: z.coerce.number().int().min(1).max(2 ** 31 - 1).default(256),
    /** Memory one HTTP/2 connection may hold (streams, header tables, data to send), in MB. */
    THOTH_ENFORCER_GRPC_MAX_SESSION_MEMORY_MB: z.coerce.number().int().min(1).max(1_000_000).default(64),
    THOTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .refine((e) => (e.THOTH_CONTROL_PLANE_GRPC === undefined) === (e.THOTH_ENFORCER_TOKEN === undefined), {
    message: 'THOTH_CONTROL_PLANE_GRPC and THOTH_ENFORCER_TOKEN go together',
    path: ['THOTH_ENFORCER_TOKEN'],
  });

export interface EnforcerConfig {
  enforcerId: string | undefined;
  /** Decide; `tls` absent: plaintext (refused by loadConfig off loopback). */
  grpc: { host: string; port: number; tls?: ListenerTls };
  http: { host: string; port: number };
  /** The config stream; `tls` absent: plaintext (refused by loadConfig unless the address is loopback). */
  controlPlane: { address: string; token: string; tenantIds: string[]; tls?: ClientTls } | undefined;
  configPublicKeys: string[];
  signingKey: string | undefined;
  snapshotDir: string | undefined;
  maxStalenessMs: number;
  leaseWaitMs: number;
  approvalTimeoutMs: number;
  /** Undefined: the in-process decision log (embedded). */
  kafka: { connection: KafkaConnection; topic: string } | undefined;
  /** Undefined: fleet state off (each enforcer counts only its own calls). */
  fleet: { decisionsTopic: string; receiptKeysTopic: string; lagRefreshMs: number } | undefined;
  decisionBufferSize: number;
  maxArgumentsBytes: number;
  windowMaxKeys: number;
  windowMaxKeysPerTenant: number;
  windowMaxKeysPerAgent: number;
  idempotency: { ttlMs: number; maxEntries: number };
  refusalsPerPeerPerMinute: number;
  refusalLogLinesPerMinute: number;
  http2: { maxConcurrentStreams: number; maxSessionMemoryMb: number };
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
  /** OTEL_*: traces exported over OTLP; undefined (no endpoint): off (docs/telemetry.md). */
  tracing: TracingConfig | undefined;
}

export class ConfigError extends Error {
  readonly code = 'config.invalid';
}

let cached: EnforcerConfig | undefined;

/** Parses the environment once; a bad value stops the enforcer with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EnforcerConfig {
  if (env === process.env && cached) return cached;
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid enforcer configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // KAFKA_SASL_*, KAFKA_TLS_*: a KafkaConnectionError (PLAINTEXT_REFUSED, …) names the variable.
  const kafka = readKafkaConnection(env);
  if (e.THOTH_FLEET_STATE === 'on' && !kafka) throw new ConfigError('invalid enforcer configuration:\n  THOTH_FLEET_STATE: on needs Kafka (KAFKA_BROKERS): window counters are shared through the decisions topic');
  const tracing = readTracing(env);
  const decideTls = readListenerTls(env, 'THOTH_ENFORCER_GRPC_TLS_CLIENT_CA_FILE');
  const controlPlaneTls = readClientTls(env, { ca: 'THOTH_CONTROL_PLANE_CA_FILE', cert: 'THOTH_CONTROL_PLANE_CERT_FILE', key: 'THOTH_CONTROL_PLANE_KEY_FILE' });
  const problems = [...(decideTls.ok ? [] : decideTls.problems), ...(controlPlaneTls.ok ? [] : controlPlaneTls.problems)];
  if (!decideTls.ok || !controlPlaneTls.ok) throw new ConfigError(`invalid enforcer configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  refusePlaintext(
    [
      { name: 'Decide (THOTH_ENFORCER_GRPC_HOST)', host: e.THOTH_ENFORCER_GRPC_HOST, tls: decideTls.tls !== undefined, remedy: 'set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE' },
      ...(e.THOTH_CONTROL_PLANE_GRPC
        ? [{ name: 'the config stream client (THOTH_CONTROL_PLANE_GRPC)', host: hostOf(e.THOTH_CONTROL_PLANE_GRPC), tls: controlPlaneTls.tls !== undefined, remedy: 'set THOTH_CONTROL_PLANE_CA_FILE' }]
        : []),
    ],
    e.THOTH_ALLOW_PLAINTEXT === 'true',
  );
  const config: EnforcerConfig = {
    enforcerId: e.THOTH_ENFORCER_ID,
    grpc: { host: e.THOTH_ENFORCER_GRPC_HOST, port: e.THOTH_ENFORCER_GRPC_PORT, ...(decideTls.tls ? { tls: decideTls.tls } : {}) },
    http: { host: e.THOTH_ENFORCER_HTTP_HOST, port: e.THOTH_ENFORCER_HTTP_PORT },
    controlPlane:
      e.THOTH_CONTROL_PLANE_GRPC && e.THOTH_ENFORCER_TOKEN
        ? { address: e.THOTH_CONTROL_PLANE_GRPC, token: e.THOTH_ENFORCER_TOKEN, tenantIds: e.THOTH_ENFORCER_TENANTS, ...(controlPlaneTls.tls ? { tls: controlPlaneTls.tls } : {}) }
        : undefined,
    configPublicKeys: e.THOTH_CONFIG_PUBLIC_KEYS,
    signingKey: e.THOTH_ENFORCER_SIGNING_KEY,
    snapshotDir: e.THOTH_ENFORCER_SNAPSHOT_DIR,
    maxStalenessMs: e.THOTH_ENFORCER_MAX_STALENESS_SECONDS * 1000,
    leaseWaitMs: e.THOTH_LEASE_WAIT_MS,
    approvalTimeoutMs: e.THOTH_APPROVAL_TIMEOUT_MS,
    kafka: kafka ? { connection: kafka, topic: e.THOTH_DECISIONS_TOPIC } : undefined,
    fleet: kafka && e.THOTH_FLEET_STATE !== 'off' ? { decisionsTopic: e.THOTH_DECISIONS_TOPIC, receiptKeysTopic: e.THOTH_RECEIPT_KEYS_TOPIC, lagRefreshMs: e.THOTH_FLEET_LAG_REFRESH_MS } : undefined,
    decisionBufferSize: e.THOTH_DECISION_BUFFER_SIZE,
    maxArgumentsBytes: e.THOTH_MAX_ARGUMENTS_BYTES,
    windowMaxKeys: e.THOTH_WINDOW_MAX_KEYS,
    windowMaxKeysPerTenant: e.THOTH_WINDOW_MAX_KEYS_PER_TENANT,
    windowMaxKeysPerAgent: e.THOTH_WINDOW_MAX_KEYS_PER_AGENT,
    idempotency: { ttlMs: e.THOTH_ENFORCER_IDEMPOTENCY_TTL_MS, maxEntries: e.THOTH_ENFORCER_IDEMPOTENCY_MAX_ENTRIES },
    refusalsPerPeerPerMinute: e.THOTH_ENFORCER_REFUSALS_PER_PEER_PER_MINUTE,
    refusalLogLinesPerMinute: e.THOTH_ENFORCER_REFUSAL_LOG_LINES_PER_MINUTE,
    http2: { maxConcurrentStreams: e.THOTH_ENFORCER_GRPC_MAX_CONCURRENT_STREAMS, maxSessionMemoryMb: e.THOTH_ENFORCER_GRPC_MAX_SESSION_MEMORY_MB },
    logLevel: e.THOTH_LOG_LEVEL,
    tracing,
  };
  if (env === process.env) cached = config;
  return config;
}

function readTracing(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  try {
    return readTracingConfig(env, 'thoth-enforcer');
  } catch (error) {
    if (error instanceof TracingConfigError) throw new ConfigError(`invalid enforcer configuration:\n  ${error.message}`);
    throw error;
  }
}

/** `host` of `host:port` or `[v6]:port`. */
const hostOf = (address: string): string => address.slice(0, address.lastIndexOf(':'));
