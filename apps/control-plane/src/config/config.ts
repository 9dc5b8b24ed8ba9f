import { KafkaConnectionError, readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { readTracingConfig, TracingConfigError, type TracingConfig } from '@thoth/telemetry';
import { ALLOW_PLAINTEXT, readListenerTls, refusePlaintext, type ListenerTls } from '@thoth/tls';
import { resolve } from 'node:path';
import { z } from 'zod';

const Environment = z.object({
  THOTH_DATA_DIR: z.string().min(1).default('.thoth'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|pglite:)/, 'must be a postgres:// URL (or pglite:<dir>)')
    .optional(),
  THOTH_MIGRATE: z.enum(['true', 'false']).optional(),
  THOTH_HTTP_HOST: z.string().default('127.0.0.1'),
  THOTH_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  THOTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  THOTH_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  THOTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  THOTH_ANONYMOUS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  /** Every request, per client address (IPv6: per /64), before the API key is looked at. */
  THOTH_ADDRESS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10_000),
  // The operations listener (/healthz, /readyz, /metrics): unauthenticated, apart from the API.
  THOTH_OPS_HOST: z.string().default('127.0.0.1'),
  THOTH_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  THOTH_GRPC_HOST: z.string().default('127.0.0.1'),
  THOTH_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  // Transport security (docs/security.md, "Transport security (TLS)"): the certificate both listeners
  // present; a client CA per listener makes it mutual TLS (the config stream's: enforcers' certificates).
  THOTH_TLS_CERT_FILE: z.string().optional(),
  THOTH_TLS_KEY_FILE: z.string().optional(),
  THOTH_HTTP_TLS_CLIENT_CA_FILE: z.string().optional(),
  THOTH_GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
  [ALLOW_PLAINTEXT]: z.enum(['true', 'false']).default('false'),
  THOTH_SNAPSHOT_SIGNING_KEY: z
    .string()
    .refine((s) => /^[A-Za-z0-9+/]+=*$/.test(s) && Buffer.from(s, 'base64').length === 32, 'must be the base64 of a 32-byte Ed25519 seed')
    .optional(),
  // The decision stream the decision read model is fed from; without brokers ingestion is off.
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]')
    .optional(),
  THOTH_DECISIONS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.decisions'),
  THOTH_DECISIONS_GROUP: z.string().min(1).default('thoth-control-plane-decisions'),
  THOTH_DECISIONS_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  // The compacted topic the signed receipt key directory is published to (the ledger reads it).
  THOTH_RECEIPT_KEYS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.receipt-keys'),
  // How often a replica looks for trials whose seventh day has passed.
  // How long a strict limit's lease is good for (docs/fleet-state.md, "Strict limits"): units an
  // enforcer died holding stay charged this long plus the limit's window.
  // At least 2 s: an enforcer stops spending a lease a second before it expires (clock skew).
  THOTH_LEASE_TTL_MS: z.coerce.number().int().min(2_000).max(300_000).default(10_000),
  THOTH_TRIAL_TICK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  // How often a replica removes decisions and retained arguments past their tenant's retention (docs/retention.md).
  THOTH_RETENTION_TICK_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
  NODE_ENV: z.string().optional(),
  // SOC alerts (modules/alerts): the key that encrypts destination URLs and signing secrets.
  THOTH_SECRETS_KEY: z
    .string()
    .refine((s) => /^[A-Za-z0-9+/]+=*$/.test(s) && Buffer.from(s, 'base64').length === 32, 'must be the base64 of a 32-byte AES-256 key')
    .optional(),
  THOTH_LEDGER_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  // Where people reach this API (the base of the links approval alerts carry); default: THOTH_HTTP_HOST and THOTH_HTTP_PORT.
  THOTH_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  // The ledger API's port in the one-process launcher: the default of THOTH_LEDGER_PUBLIC_URL.
  THOTH_LEDGER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4002),
  THOTH_ALERTS_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).optional(),
  THOTH_ALERTS_WORKER: z.enum(['true', 'false']).default('true'),
  THOTH_ALERTS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  THOTH_ALERTS_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  THOTH_ALERTS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  THOTH_ALERTS_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(30 * 86_400).default(86_400),
  THOTH_ALERTS_BACKOFF_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(1_000),
  THOTH_ALERTS_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(600_000),
  THOTH_ALERTS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  THOTH_ALERTS_BATCH: z.coerce.number().int().min(1).max(500).default(20),
});

export interface ControlPlaneConfig {
  /**
   * The app's connection. Every query runs as the role thoth_app (SET LOCAL ROLE), so the
   * login role should be a member of thoth_app that owns nothing; see docs/architecture.md, "Database roles".
   */
  databaseUrl: string;
  /** Apply the committed migrations at boot (needs a role that owns the schema). */
  migrate: boolean;
  /** The REST API; `tls` absent: plaintext (refused by loadConfig off loopback). */
  http: { host: string; port: number; tls?: ListenerTls };
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
  /** OTEL_*: traces exported over OTLP; absent (no endpoint): off (docs/telemetry.md). */
  tracing?: TracingConfig | undefined;
  limits: { bodyBytes: number };
  rateLimit: {
    /** Per tenant (all its API keys), per replica: a token bucket of this many requests refilled over a minute. */
    perTenantPerMinute: number;
    /** Per client address for unauthenticated calls (sign-up, report pages). */
    anonymousPerMinute: number;
    /** Every request per client address (IPv6: per /64), before authentication (docs/security.md). */
    perAddressPerMinute: number;
  };
  /**
   * The operations listener: /healthz, /readyz, /metrics, plaintext and unauthenticated (it tells no
   * secret and names no tenant; docs/telemetry-metrics.md). Absent: none (the one-process launcher serves its own).
   */
  ops?: { host: string; port: number };
  /** The config stream to enforcers (distribution/); absent: no gRPC listener (API-only tests). */
  distribution?: DistributionConfig;
  /** SOC alerts (modules/alerts/); absent: no alert routes, hook or worker (API-only tests). */
  alerts?: AlertsConfig;
  /** The decision stream feeding the decision read model; absent: no Kafka ingestion (logged). */
  decisions?: DecisionsConfig;
  /** The trial scheduler's periodic tick; absent: no tick (tests call TrialScheduler.runDue()). */
  trial?: TrialConfig;
  /** The retention job's periodic tick; absent: no tick (tests call RetentionJob.runDue()). */
  retention?: { tickMs: number };
  /** Where people reach this API from outside (THOTH_PUBLIC_URL): the base of approval alerts' links; absent: the links are paths. */
  publicUrl?: string;
}

export interface DecisionsConfig {
  /** `connection`: thoth-control-plane's (Read on the decisions topic and its groups). */
  kafka: { connection: KafkaConnection; topic: string; groupId: string; sessionTimeoutMs: number };
}

export interface TrialConfig {
  tickMs: number;
}

export interface AlertsConfig {
  /**
   * Base64 AES-256 key that encrypts destination URLs and webhook signing secrets at rest.
   * Required when NODE_ENV=production (every replica needs the same key); otherwise, when
   * unset, one is generated once and kept in `secretsKeyFile`.
   */
  secretsKey: string | undefined;
  secretsKeyFile: string;
  /** Base of the evidence links in alerts: `<ledgerPublicUrl>/v1/decisions/<id>/evidence`. */
  ledgerPublicUrl: string;
  /** Allow http:// and loopback/private addresses (embedded, tests). Link-local and metadata addresses are refused regardless. */
  allowPrivateNetworks: boolean;
  /** Run the delivery worker in this process (several replicas may: they claim with SKIP LOCKED). */
  worker: boolean;
  delivery: AlertDeliverySettings;
}

export interface AlertDeliverySettings {
  /** One attempt's deadline (connect, send, answer). */
  timeoutMs: number;
  /** How long a claim holds an alert; after it a crashed worker's alert is claimable again. More than timeoutMs. */
  leaseMs: number;
  /** Attempts per delivery cycle, and the cycle's age, before the alert goes to the dead-letter list. */
  maxAttempts: number;
  maxAgeMs: number;
  /** Exponential backoff with full jitter: the n-th retry waits random(0, min(maxMs, baseMs·2^(n-1))). */
  backoff: { baseMs: number; maxMs: number };
  pollMs: number;
  batchSize: number;
}

export interface DistributionConfig {
  /** The config stream; with `tls.clientCa`, an enforcer without a certificate that CA signed fails the handshake. */
  grpc: { host: string; port: number; tls?: ListenerTls };
  /**
   * Base64 Ed25519 seed snapshots are signed with. Required when NODE_ENV=production;
   * otherwise, when unset, one is generated once and kept in `keyFile`.
   */
  signingKey: string | undefined;
  keyFile: string;
  /** The compacted topic the receipt key directory goes to, signed with the snapshot key; absent without Kafka. */
  /** `connection`: thoth-control-plane's (Write on the receipt key directory). */
  receiptKeys?: { connection: KafkaConnection; topic: string };
  /** How long a strict limit's lease is good for (THOTH_LEASE_TTL_MS). */
  leaseTtlMs?: number;
}

export class ConfigError extends Error {
  readonly code = 'config.invalid';
}

/** Parses the environment once, at boot; the message names every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ControlPlaneConfig {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.THOTH_SNAPSHOT_SIGNING_KEY) {
    throw new ConfigError('invalid configuration — THOTH_SNAPSHOT_SIGNING_KEY: required in production (base64 of a 32-byte Ed25519 seed)');
  }
  if (e.NODE_ENV === 'production' && !e.THOTH_SECRETS_KEY) {
    throw new ConfigError('invalid configuration — THOTH_SECRETS_KEY: required in production (base64 of a 32-byte AES-256 key)');
  }
  let kafka: KafkaConnection | undefined;
  try {
    kafka = readKafkaConnection(env);
  } catch (error) {
    if (error instanceof KafkaConnectionError) throw new ConfigError(`invalid configuration — ${error.message} (${error.code})`);
    throw error;
  }
  if (e.THOTH_ALERTS_LEASE_MS <= e.THOTH_ALERTS_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration — THOTH_ALERTS_LEASE_MS: must be longer than THOTH_ALERTS_TIMEOUT_MS');
  }
  const httpTls = readListenerTls(env, 'THOTH_HTTP_TLS_CLIENT_CA_FILE');
  const grpcTls = readListenerTls(env, 'THOTH_GRPC_TLS_CLIENT_CA_FILE');
  const tlsProblems = [...new Set([...(httpTls.ok ? [] : httpTls.problems), ...(grpcTls.ok ? [] : grpcTls.problems)])];
  if (!httpTls.ok || !grpcTls.ok) throw new ConfigError(`invalid configuration — ${tlsProblems.join('; ')}`);
  const serveTls = 'set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE';
  refusePlaintext(
    [
      { name: 'the control plane API (THOTH_HTTP_HOST)', host: e.THOTH_HTTP_HOST, tls: httpTls.tls !== undefined, remedy: serveTls },
      { name: 'the config stream (THOTH_GRPC_HOST)', host: e.THOTH_GRPC_HOST, tls: grpcTls.tls !== undefined, remedy: serveTls },
    ],
    e.THOTH_ALLOW_PLAINTEXT === 'true',
  );
  const databaseUrl = e.DATABASE_URL ?? `pglite:${resolve(e.THOTH_DATA_DIR, 'pgdata')}`;
  return {
    databaseUrl,
    // Embedded: nobody else will migrate. With a server, migrating is the deployer's choice.
    migrate: e.THOTH_MIGRATE ? e.THOTH_MIGRATE === 'true' : databaseUrl.startsWith('pglite:'),
    http: { host: e.THOTH_HTTP_HOST, port: e.THOTH_HTTP_PORT, ...(httpTls.tls ? { tls: httpTls.tls } : {}) },
    ops: { host: e.THOTH_OPS_HOST, port: e.THOTH_OPS_PORT },
    logLevel: e.THOTH_LOG_LEVEL,
    tracing: readTracing(env),
    limits: { bodyBytes: e.THOTH_BODY_LIMIT_BYTES },
    rateLimit: {
      perTenantPerMinute: e.THOTH_RATE_LIMIT_PER_MINUTE,
      anonymousPerMinute: e.THOTH_ANONYMOUS_RATE_LIMIT_PER_MINUTE,
      perAddressPerMinute: e.THOTH_ADDRESS_RATE_LIMIT_PER_MINUTE,
    },
    distribution: {
      grpc: { host: e.THOTH_GRPC_HOST, port: e.THOTH_GRPC_PORT, ...(grpcTls.tls ? { tls: grpcTls.tls } : {}) },
      signingKey: e.THOTH_SNAPSHOT_SIGNING_KEY,
      keyFile: resolve(e.THOTH_DATA_DIR, 'snapshot-signing.key'),
      ...(kafka ? { receiptKeys: { connection: kafka, topic: e.THOTH_RECEIPT_KEYS_TOPIC } } : {}),
      leaseTtlMs: e.THOTH_LEASE_TTL_MS,
    },
    alerts: {
      secretsKey: e.THOTH_SECRETS_KEY,
      secretsKeyFile: resolve(e.THOTH_DATA_DIR, 'secrets.key'),
      // The one-process launcher's ledger presents the same certificate.
      ledgerPublicUrl: (e.THOTH_LEDGER_PUBLIC_URL ?? `${httpTls.tls ? 'https' : 'http'}://${e.THOTH_HTTP_HOST.includes(':') ? `[${e.THOTH_HTTP_HOST}]` : e.THOTH_HTTP_HOST}:${e.THOTH_LEDGER_HTTP_PORT}`).replace(/\/+$/, ''),
      // Embedded Thoth runs on one machine, often beside its receivers: private addresses are fine there.
      allowPrivateNetworks: e.THOTH_ALERTS_ALLOW_PRIVATE_NETWORKS ? e.THOTH_ALERTS_ALLOW_PRIVATE_NETWORKS === 'true' : databaseUrl.startsWith('pglite:'),
      worker: e.THOTH_ALERTS_WORKER === 'true',
      delivery: {
        timeoutMs: e.THOTH_ALERTS_TIMEOUT_MS,
        leaseMs: e.THOTH_ALERTS_LEASE_MS,
        maxAttempts: e.THOTH_ALERTS_MAX_ATTEMPTS,
        maxAgeMs: e.THOTH_ALERTS_MAX_AGE_SECONDS * 1_000,
        backoff: { baseMs: e.THOTH_ALERTS_BACKOFF_BASE_MS, maxMs: e.THOTH_ALERTS_BACKOFF_MAX_MS },
        pollMs: e.THOTH_ALERTS_POLL_MS,
        batchSize: e.THOTH_ALERTS_BATCH,
      },
    },
    ...(kafka
      ? {
          decisions: {
            kafka: {
              connection: kafka,
              topic: e.THOTH_DECISIONS_TOPIC,
              groupId: e.THOTH_DECISIONS_GROUP,
              sessionTimeoutMs: e.THOTH_DECISIONS_KAFKA_SESSION_TIMEOUT_MS,
            },
          },
        }
      : {}),
    trial: { tickMs: e.THOTH_TRIAL_TICK_MS },
    retention: { tickMs: e.THOTH_RETENTION_TICK_MS },
    publicUrl: (e.THOTH_PUBLIC_URL ?? `${httpTls.tls ? 'https' : 'http'}://${e.THOTH_HTTP_HOST.includes(':') ? `[${e.THOTH_HTTP_HOST}]` : e.THOTH_HTTP_HOST}:${e.THOTH_HTTP_PORT}`).replace(/\/+$/, ''),
  };
}

function readTracing(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  try {
    return readTracingConfig(env, 'thoth-control-plane');
  } catch (error) {
    if (error instanceof TracingConfigError) throw new ConfigError(`invalid configuration — ${error.message}`);
    throw error;
  }
}
