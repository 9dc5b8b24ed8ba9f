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
  THOTH_GRPC_HOST: z.string().default('127.0.0.1'),
  THOTH_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(4001),
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
  // How often a replica looks for trials whose seventh day has passed.
  THOTH_TRIAL_TICK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  NODE_ENV: z.string().optional(),
  // Test hook (NODE_ENV=test only): the first snapshot of each tenant carrying this policy
  // version goes out with a corrupted signature, so an e2e test can watch enforcers NACK it.
  THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION: z.coerce.number().int().min(1).optional(),
});

export interface ControlPlaneConfig {
  /**
   * The app's connection. Every query runs as the role thoth_app (SET LOCAL ROLE), so the
   * login role should be a member of thoth_app that owns nothing; see PLATFORM.md.
   */
  databaseUrl: string;
  /** Apply the committed migrations at boot (needs a role that owns the schema). */
  migrate: boolean;
  http: { host: string; port: number };
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
  limits: { bodyBytes: number };
  rateLimit: {
    /** Per API key, per replica: a token bucket of this many requests refilled over a minute. */
    perKeyPerMinute: number;
    /** Per client address for unauthenticated calls (sign-up). */
    anonymousPerMinute: number;
  };
  /** The config stream to enforcers (distribution/); absent: no gRPC listener (API-only tests). */
  distribution?: DistributionConfig;
  /** The decision stream feeding the decision read model; absent: no Kafka ingestion (logged). */
  decisions?: DecisionsConfig;
  /** The trial scheduler's periodic tick; absent: no tick (tests call TrialScheduler.runDue()). */
  trial?: TrialConfig;
}

export interface DecisionsConfig {
  kafka: { brokers: string[]; topic: string; groupId: string; sessionTimeoutMs: number };
}

export interface TrialConfig {
  tickMs: number;
}

export interface DistributionConfig {
  grpc: { host: string; port: number };
  /**
   * Base64 Ed25519 seed snapshots are signed with. Required when NODE_ENV=production;
   * otherwise, when unset, one is generated once and kept in `keyFile`.
   */
  signingKey: string | undefined;
  keyFile: string;
  /** Test hook, see THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION. */
  tamperPolicyVersionForTest?: number;
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
  if (e.THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION !== undefined && e.NODE_ENV !== 'test') {
    throw new ConfigError('invalid configuration — THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION: a test hook, only allowed with NODE_ENV=test');
  }
  const databaseUrl = e.DATABASE_URL ?? `pglite:${resolve(e.THOTH_DATA_DIR, 'pgdata')}`;
  return {
    databaseUrl,
    // Embedded: nobody else will migrate. With a server, migrating is the deployer's choice.
    migrate: e.THOTH_MIGRATE ? e.THOTH_MIGRATE === 'true' : databaseUrl.startsWith('pglite:'),
    http: { host: e.THOTH_HTTP_HOST, port: e.THOTH_HTTP_PORT },
    logLevel: e.THOTH_LOG_LEVEL,
    limits: { bodyBytes: e.THOTH_BODY_LIMIT_BYTES },
    rateLimit: { perKeyPerMinute: e.THOTH_RATE_LIMIT_PER_MINUTE, anonymousPerMinute: e.THOTH_ANONYMOUS_RATE_LIMIT_PER_MINUTE },
    distribution: {
      grpc: { host: e.THOTH_GRPC_HOST, port: e.THOTH_GRPC_PORT },
      signingKey: e.THOTH_SNAPSHOT_SIGNING_KEY,
      keyFile: resolve(e.THOTH_DATA_DIR, 'snapshot-signing.key'),
      ...(e.THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION !== undefined ? { tamperPolicyVersionForTest: e.THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION } : {}),
    },
    ...(e.KAFKA_BROKERS
      ? {
          decisions: {
            kafka: {
              brokers: e.KAFKA_BROKERS.split(','),
              topic: e.THOTH_DECISIONS_TOPIC,
              groupId: e.THOTH_DECISIONS_GROUP,
              sessionTimeoutMs: e.THOTH_DECISIONS_KAFKA_SESSION_TIMEOUT_MS,
            },
          },
        }
      : {}),
    trial: { tickMs: e.THOTH_TRIAL_TICK_MS },
  };
}
