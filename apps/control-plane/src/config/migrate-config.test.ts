import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { loadMigrateConfig } from './migrate-config.js';

describe('loadMigrateConfig (migrate.js)', () => {
  it('needs only a server database, none of the service’s keys or listeners', () => {
    expect(loadMigrateConfig({ DATABASE_URL: 'postgres://owner:x@db/thoth', NODE_ENV: 'production' })).toEqual({ databaseUrl: 'postgres://owner:x@db/thoth', logLevel: 'info' });
  });

  it('refuses to run without a postgres:// URL, naming the variable (never an embedded PGlite in a container)', () => {
    expect(() => loadMigrateConfig({})).toThrow(new ConfigError('invalid configuration — DATABASE_URL: is required'));
    expect(() => loadMigrateConfig({ DATABASE_URL: 'pglite:/tmp/x', THOTH_LOG_LEVEL: 'loud' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL; THOTH_LOG_LEVEL/);
  });
});
