import { KafkaConnectionError, readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { readTracingConfig, TracingConfigError, type TracingConfig } from '@thoth/telemetry';
import { parseSignerKey, type NoteSigner } from '@thoth/merkle';
import { ALLOW_PLAINTEXT, readListenerTls, refusePlaintext, type ListenerTls } from '@thoth/tls';
import { resolve } from 'node:path';
import { z } from 'zod';

const brokers = z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]');

const Environment = z.object({
  DATABASE_URL: z.string({ error: 'is required' }).regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  KAFKA_BROKERS: brokers,
  THOTH_LEDGER_SIGNING_KEY: z.string({ error: 'is required (a PRIVATE+KEY+<name>+<id>+<key> signed-note key)' }),
  THOTH_LEDGER_TOPIC: z.string().min(1).default('thoth.decisions'),
  THOTH_LEDGER_GROUP: z.string().min(1).default('thoth-ledger'),
  /** The compacted topic the control plane publishes its signed receipt key directory to. */
  THOTH_RECEIPT_KEYS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.receipt-keys'),
  /** The control plane's public keys (base64 of raw 32-byte Ed25519 keys, comma-separated): the directory's signers, as enforcers trust them for snapshots. */
  THOTH_CONFIG_PUBLIC_KEYS: z
    .string({ error: 'is required (the control plane\'s snapshot public keys, base64, comma-separated)' })
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine((k) => /^[A-Za-z0-9+/]+=*$/.test(k) && Buffer.from(k, 'base64').length === 32, 'each must be the base64 of a 32-byte Ed25519 public key')).min(1, 'must name at least one key')),
  THOTH_LEDGER_ORIGIN_PREFIX: z
    .string()
    .regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/, 'must look like host/path, e.g. thoth.dev/ledger')
    .default('thoth.dev/ledger'),
  THOTH_DATA_DIR: z.string().min(1).default('.thoth'),
  THOTH_LEDGER_ANCHOR_DIR: z.string().min(1).optional(),
  THOTH_LEDGER_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(10).max(1000).default(250),
  THOTH_LEDGER_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(30_000),
  THOTH_LEDGER_DB_POOL: z.coerce.number().int().min(2).max(100).default(6),
  THOTH_LEDGER_CONCURRENT_PARTITIONS: z.coerce.number().int().min(1).max(64).default(3),
  THOTH_HTTP_HOST: z.string().default('127.0.0.1'),
  THOTH_LEDGER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4002),
  // The operations listener (/healthz, /readyz, /metrics): unauthenticated, apart from the API.
  THOTH_LEDGER_OPS_HOST: z.string().default('127.0.0.1'),
  THOTH_LEDGER_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  THOTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The API's TLS (docs/security.md, "Transport security (TLS)"); with a client CA, mutual.
  THOTH_TLS_CERT_FILE: z.string().optional(),
  THOTH_TLS_KEY_FILE: z.string().optional(),
  THOTH_LEDGER_HTTP_TLS_CLIENT_CA_FILE: z.string().optional(),
  [ALLOW_PLAINTEXT]: z.enum(['true', 'false']).default('false'),
  /** Requests a minute per client address (IPv6: per /64), before the API key is looked at. */
  THOTH_LEDGER_ADDRESS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10_000),
  /** Requests a minute per tenant, once its key is authenticated. */
  THOTH_LEDGER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6_000),
});

export interface LedgerConfig {
  databaseUrl: string;
  databasePoolSize: number;
  /** `connection`: thoth-ledger's (Read on the decisions topic and its groups, and on the receipt key directory). */
  kafka: { connection: KafkaConnection; topic: string; groupId: string; sessionTimeoutMs: number; concurrentPartitions: number; receiptKeysTopic: string };
  /** The control plane's public keys (base64): a receipt key directory record is believed only under one of them. */
  configPublicKeys: string[];
  /** From configuration only, never from the database. */
  signer: NoteSigner;
  /** Checkpoint origins are `<originPrefix>/<tenant id>`. */
  originPrefix: string;
  anchorDir: string;
  checkpointIntervalMs: number;
  /** The API; `tls` absent: plaintext (refused by loadConfig off loopback). */
  http: { host: string; port: number; tls?: ListenerTls };
  /** /healthz, /readyz, /metrics: plaintext, unauthenticated, names no tenant (docs/telemetry-metrics.md). Absent: none. */
  ops?: { host: string; port: number };
  /** Per address before authentication, per tenant after it (defaults: LEDGER_RATE_LIMITS). */
  rateLimit?: LedgerRateLimits;
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
  /** OTEL_*: traces exported over OTLP; absent (no endpoint): off (docs/telemetry.md). */
  tracing?: TracingConfig | undefined;
}

export interface LedgerRateLimits {
  perAddressPerMinute: number;
  perTenantPerMinute: number;
}

/** Well above what one honest client asks of the ledger (proofs and bundles of its blocked calls). */
export const LEDGER_RATE_LIMITS: LedgerRateLimits = { perAddressPerMinute: 10_000, perTenantPerMinute: 6_000 };

export class ConfigError extends Error {
  readonly code = 'config.invalid';
}

/** Parses the environment once, at boot; the message names every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const parsed = Environment.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const signer = env['THOTH_LEDGER_SIGNING_KEY'] === undefined ? undefined : parseSignerKey(env['THOTH_LEDGER_SIGNING_KEY']);
  if (signer && !signer.ok) problems.push(`THOTH_LEDGER_SIGNING_KEY: ${signer.reason} (${signer.code})`);
  const tls = readListenerTls(env, 'THOTH_LEDGER_HTTP_TLS_CLIENT_CA_FILE');
  if (!tls.ok) problems.push(...tls.problems);
  let tracing: TracingConfig | undefined;
  try {
    tracing = readTracingConfig(env, 'thoth-ledger');
  } catch (error) {
    if (!(error instanceof TracingConfigError)) throw error;
    problems.push(error.message);
  }
  let connection: KafkaConnection | undefined;
  try {
    connection = readKafkaConnection(env);
  } catch (error) {
    if (!(error instanceof KafkaConnectionError)) throw error;
    // KAFKA_BROKERS' own shape is the schema's to report.
    if (!error.message.startsWith('KAFKA_BROKERS: ')) problems.push(`${error.message} (${error.code})`);
  }
  if (!parsed.success || !signer?.ok || !connection || problems.length > 0) {
    throw new ConfigError(`invalid ledger configuration — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const httpTls = tls.ok ? tls.tls : undefined;
  refusePlaintext(
    [{ name: 'the ledger API (THOTH_HTTP_HOST)', host: e.THOTH_HTTP_HOST, tls: httpTls !== undefined, remedy: 'set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE' }],
    e.THOTH_ALLOW_PLAINTEXT === 'true',
  );
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.THOTH_LEDGER_DB_POOL,
    kafka: {
      connection,
      topic: e.THOTH_LEDGER_TOPIC,
      groupId: e.THOTH_LEDGER_GROUP,
      sessionTimeoutMs: e.THOTH_LEDGER_KAFKA_SESSION_TIMEOUT_MS,
      concurrentPartitions: e.THOTH_LEDGER_CONCURRENT_PARTITIONS,
      receiptKeysTopic: e.THOTH_RECEIPT_KEYS_TOPIC,
    },
    configPublicKeys: e.THOTH_CONFIG_PUBLIC_KEYS,
    signer: signer.value,
    originPrefix: e.THOTH_LEDGER_ORIGIN_PREFIX,
    anchorDir: resolve(e.THOTH_LEDGER_ANCHOR_DIR ?? resolve(e.THOTH_DATA_DIR, 'anchor')),
    checkpointIntervalMs: e.THOTH_LEDGER_CHECKPOINT_INTERVAL_MS,
    http: { host: e.THOTH_HTTP_HOST, port: e.THOTH_LEDGER_HTTP_PORT, ...(httpTls ? { tls: httpTls } : {}) },
    ops: { host: e.THOTH_LEDGER_OPS_HOST, port: e.THOTH_LEDGER_OPS_PORT },
    rateLimit: { perAddressPerMinute: e.THOTH_LEDGER_ADDRESS_RATE_LIMIT_PER_MINUTE, perTenantPerMinute: e.THOTH_LEDGER_RATE_LIMIT_PER_MINUTE },
    logLevel: e.THOTH_LOG_LEVEL,
    tracing,
  };
}
