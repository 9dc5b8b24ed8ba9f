import { KafkaConnectionError, readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { ALLOW_PLAINTEXT, readListenerTls, refusePlaintext, type ListenerTls } from '@thoth/tls';
import { resolve } from 'node:path';
import { z } from 'zod';

const Environment = z.object({
  THOTH_DATA_DIR: z.string().min(1).default('.thoth'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]')
    .optional(),
  THOTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: readable lines when stdout is a terminal, JSON lines otherwise. */
  THOTH_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  // The enforcer and the ledger in this process (the control plane reads its own variables).
  THOTH_HTTP_HOST: z.string().default('127.0.0.1'),
  // One operations listener for every part of the process (/healthz, /readyz, /metrics), only when a
  // port is given: the launcher runs where other things listen (a laptop), and tests run it side by side.
  THOTH_OPS_HOST: z.string().default('127.0.0.1'),
  THOTH_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  THOTH_ENFORCER_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  THOTH_LEDGER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4002),
  THOTH_ENFORCER_SIGNING_KEY: z
    .string()
    .refine((s) => /^[A-Za-z0-9+/]+=*$/.test(s) && Buffer.from(s, 'base64').length === 32, 'must be the base64 of a 32-byte Ed25519 seed')
    .optional(),
  THOTH_LEDGER_SIGNING_KEY: z.string().startsWith('PRIVATE+KEY+', 'must be a PRIVATE+KEY+<name>+<id>+<key> signed-note key').optional(),
  THOTH_DECISIONS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.decisions'),
  THOTH_RECEIPT_KEYS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.receipt-keys'),
  THOTH_LEDGER_GROUP: z.string().min(1).default('thoth-ledger'),
  // The decisions topic, created at start when missing (production wiring), unless the
  // deployment provisions its topics itself (THOTH_KAFKA_CREATE_TOPICS=false).
  THOTH_KAFKA_CREATE_TOPICS: z.enum(['true', 'false']).default('true'),
  THOTH_DECISIONS_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(3),
  /** Defaults to 3, or fewer when the cluster has fewer brokers. */
  THOTH_DECISIONS_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).optional(),
  /**
   * How long Kafka keeps decisions (the ledger keeps them for good): 32 days, a day more than the
   * longest window a policy may declare (31 days), since enforcers rebuild their windows from the
   * topic (docs/fleet-state.md); -1 for ever.
   */
  THOTH_DECISIONS_RETENTION_MS: z.coerce.number().int().min(-1).default(2_764_800_000),
  /**
   * Seed the demo tenant (crm-agent, incident policy, enforcer) on first start: embedded only
   * (default true there); never in production wiring, where THOTH_DEMO=true is refused.
   */
  THOTH_DEMO: z.enum(['true', 'false']).optional(),
  // The ledger API's TLS (the control plane reads the same certificate for its own listeners);
  // docs/security.md, "Transport security (TLS)".
  THOTH_TLS_CERT_FILE: z.string().optional(),
  THOTH_TLS_KEY_FILE: z.string().optional(),
  THOTH_LEDGER_HTTP_TLS_CLIENT_CA_FILE: z.string().optional(),
  [ALLOW_PLAINTEXT]: z.enum(['true', 'false']).default('false'),
});

export interface ThothConfig {
  /** Embedded (PGlite + in-process decision log) unless DATABASE_URL says otherwise. */
  mode: 'embedded' | 'production';
  dataDir: string;
  databaseUrl: string;
  /** KAFKA_BROKERS with KAFKA_SASL_* and KAFKA_TLS_*: principal `thoth` of infra/kafka/access.txt. Undefined: no Kafka. */
  kafka: KafkaConnection | undefined;
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
  logFormat: z.infer<typeof Environment>['THOTH_LOG_FORMAT'];
  host: string;
  /** The one operations listener of the process (THOTH_OPS_PORT set); undefined: none. */
  ops: { host: string; port: number } | undefined;
  enforcer: { grpcPort: number; signingKey: string | undefined };
  ledger: { httpPort: number; signingKey: string | undefined; group: string; tls: ListenerTls | undefined };
  /** The Kafka topic of decisions (production wiring only). */
  decisionsTopic: string;
  /** The compacted topic of the signed receipt key directory (with Kafka; the control plane reads the same variable). */
  receiptKeysTopic: string;
  /** How the decisions topic is made when it is missing; `create: false` only checks that it exists. */
  decisionsTopicSpec: { create: boolean; partitions: number; replicationFactor: number | undefined; retentionMs: number };
  /** Embedded wiring only (THOTH_DEMO, default true there). */
  seedDemo: boolean;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly code: string = 'config.invalid',
  ) {
    super(message);
  }
}

/** Parses the environment once, at boot; the message names every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ThothConfig {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  // The demo tenant's admin key would be a standing credential nobody asked for in production.
  if ((e.DATABASE_URL || e.KAFKA_BROKERS) && e.THOTH_DEMO === 'true') {
    throw new ConfigError('THOTH_DEMO=true: the demo tenant is never created in production wiring (DATABASE_URL or KAFKA_BROKERS is set); unset THOTH_DEMO');
  }
  const ledgerTls = readListenerTls(env, 'THOTH_LEDGER_HTTP_TLS_CLIENT_CA_FILE');
  if (!ledgerTls.ok) throw new ConfigError(`invalid configuration — ${ledgerTls.problems.join('; ')}`);
  const seedDemo = !e.DATABASE_URL && !e.KAFKA_BROKERS && e.THOTH_DEMO !== 'false';
  // The demo's seeding and its enforcer reach the control plane in this process over loopback, trusting no CA.
  if (ledgerTls.tls && seedDemo) {
    throw new ConfigError('THOTH_TLS_CERT_FILE: the demo tenant and its enforcer run on loopback without TLS; set THOTH_DEMO=false to serve TLS embedded');
  }
  refusePlaintext(
    [{ name: 'the ledger API (THOTH_HTTP_HOST)', host: e.THOTH_HTTP_HOST, tls: ledgerTls.tls !== undefined, remedy: 'set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE' }],
    e.THOTH_ALLOW_PLAINTEXT === 'true',
  );
  let kafka: KafkaConnection | undefined;
  try {
    kafka = readKafkaConnection(env);
  } catch (error) {
    if (error instanceof KafkaConnectionError) throw new ConfigError(`invalid configuration — ${error.message}`, error.code);
    throw error;
  }
  const dataDir = resolve(e.THOTH_DATA_DIR);
  return {
    mode: e.DATABASE_URL ? 'production' : 'embedded',
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `pglite:${resolve(dataDir, 'pgdata')}`,
    kafka,
    logLevel: e.THOTH_LOG_LEVEL,
    logFormat: e.THOTH_LOG_FORMAT,
    host: e.THOTH_HTTP_HOST,
    ops: e.THOTH_OPS_PORT === undefined ? undefined : { host: e.THOTH_OPS_HOST, port: e.THOTH_OPS_PORT },
    enforcer: { grpcPort: e.THOTH_ENFORCER_GRPC_PORT, signingKey: e.THOTH_ENFORCER_SIGNING_KEY },
    ledger: { httpPort: e.THOTH_LEDGER_HTTP_PORT, signingKey: e.THOTH_LEDGER_SIGNING_KEY, group: e.THOTH_LEDGER_GROUP, tls: ledgerTls.tls },
    decisionsTopic: e.THOTH_DECISIONS_TOPIC,
    receiptKeysTopic: e.THOTH_RECEIPT_KEYS_TOPIC,
    decisionsTopicSpec: {
      create: e.THOTH_KAFKA_CREATE_TOPICS === 'true',
      partitions: e.THOTH_DECISIONS_PARTITIONS,
      replicationFactor: e.THOTH_DECISIONS_REPLICATION_FACTOR,
      retentionMs: e.THOTH_DECISIONS_RETENTION_MS,
    },
    seedDemo,
  };
}
