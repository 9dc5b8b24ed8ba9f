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
  // The enforcer and the ledger in this process (the control plane reads its own variables).
  THOTH_HTTP_HOST: z.string().default('127.0.0.1'),
  THOTH_ENFORCER_GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  THOTH_LEDGER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4002),
  THOTH_ENFORCER_SIGNING_KEY: z
    .string()
    .refine((s) => /^[A-Za-z0-9+/]+=*$/.test(s) && Buffer.from(s, 'base64').length === 32, 'must be the base64 of a 32-byte Ed25519 seed')
    .optional(),
  THOTH_LEDGER_SIGNING_KEY: z.string().startsWith('PRIVATE+KEY+', 'must be a PRIVATE+KEY+<name>+<id>+<key> signed-note key').optional(),
  THOTH_DECISIONS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name').default('thoth.decisions'),
  THOTH_LEDGER_GROUP: z.string().min(1).default('thoth-ledger'),
  /** Seed the demo tenant (crm-agent, incident policy, enforcer) on first start. */
  THOTH_DEMO: z.enum(['true', 'false']).default('true'),
});

export interface ThothConfig {
  /** Embedded (PGlite + in-process decision log) unless DATABASE_URL says otherwise. */
  mode: 'embedded' | 'production';
  dataDir: string;
  databaseUrl: string;
  kafkaBrokers: string[] | undefined;
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
  host: string;
  enforcer: { grpcPort: number; signingKey: string | undefined };
  ledger: { httpPort: number; signingKey: string | undefined; group: string };
  /** The Kafka topic of decisions (production wiring only). */
  decisionsTopic: string;
  seedDemo: boolean;
}

export class ConfigError extends Error {
  readonly code = 'config.invalid';
}

/** Parses the environment once, at boot; the message names every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ThothConfig {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.THOTH_DATA_DIR);
  return {
    mode: e.DATABASE_URL ? 'production' : 'embedded',
    dataDir,
    databaseUrl: e.DATABASE_URL ?? `pglite:${resolve(dataDir, 'pgdata')}`,
    kafkaBrokers: e.KAFKA_BROKERS?.split(','),
    logLevel: e.THOTH_LOG_LEVEL,
    host: e.THOTH_HTTP_HOST,
    enforcer: { grpcPort: e.THOTH_ENFORCER_GRPC_PORT, signingKey: e.THOTH_ENFORCER_SIGNING_KEY },
    ledger: { httpPort: e.THOTH_LEDGER_HTTP_PORT, signingKey: e.THOTH_LEDGER_SIGNING_KEY, group: e.THOTH_LEDGER_GROUP },
    decisionsTopic: e.THOTH_DECISIONS_TOPIC,
    seedDemo: e.THOTH_DEMO === 'true',
  };
}
