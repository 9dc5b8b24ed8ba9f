import { z } from 'zod';
import { ConfigError } from './config.js';

// The migration step's own configuration (migrate.ts): only the database and the log level, so
// a migration Job needs none of the service's keys or listeners.
const Environment = z.object({
  DATABASE_URL: z.string({ error: 'is required' }).regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  THOTH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface MigrateConfig {
  /** A role that owns the schema (the service itself may log in as one that owns nothing). */
  databaseUrl: string;
  logLevel: z.infer<typeof Environment>['THOTH_LOG_LEVEL'];
}

/** Parses the environment once; the message names every variable that is wrong. */
export function loadMigrateConfig(env: NodeJS.ProcessEnv = process.env): MigrateConfig {
  const parsed = Environment.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration — ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return { databaseUrl: parsed.data.DATABASE_URL, logLevel: parsed.data.THOTH_LOG_LEVEL };
}
