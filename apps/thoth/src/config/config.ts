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
});

export interface ThothConfig {
  /** Embedded (PGlite + in-process decision log) unless DATABASE_URL says otherwise. */
  mode: 'embedded' | 'production';
  dataDir: string;
  databaseUrl: string;
  kafkaBrokers: string[] | undefined;
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
    logLevel: e.THOTH_LOG_LEVEL,
  };
}
