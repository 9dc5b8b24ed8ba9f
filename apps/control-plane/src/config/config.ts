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
  const databaseUrl = e.DATABASE_URL ?? `pglite:${resolve(e.THOTH_DATA_DIR, 'pgdata')}`;
  return {
    databaseUrl,
    // Embedded: nobody else will migrate. With a server, migrating is the deployer's choice.
    migrate: e.THOTH_MIGRATE ? e.THOTH_MIGRATE === 'true' : databaseUrl.startsWith('pglite:'),
    http: { host: e.THOTH_HTTP_HOST, port: e.THOTH_HTTP_PORT },
    logLevel: e.THOTH_LOG_LEVEL,
    limits: { bodyBytes: e.THOTH_BODY_LIMIT_BYTES },
    rateLimit: { perKeyPerMinute: e.THOTH_RATE_LIMIT_PER_MINUTE, anonymousPerMinute: e.THOTH_ANONYMOUS_RATE_LIMIT_PER_MINUTE },
  };
}
