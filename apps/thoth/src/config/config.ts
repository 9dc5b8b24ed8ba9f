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
  THOTH_HTTP_HOST: z.string().default('127.0.0.1'),
  THOTH_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  THOTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export interface ThothConfig {
  /** Embedded (PGlite + in-process decision log) unless DATABASE_URL says otherwise. */
  mode: 'embedded' | 'production';
  dataDir: string;
  databaseUrl: string;
  kafkaBrokers: string[] | undefined;
  http: { host: string; port: number };
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
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
    http: { host: e.THOTH_HTTP_HOST, port: e.THOTH_HTTP_PORT },
    logLevel: e.THOTH_LOG_LEVEL,
  };
}
