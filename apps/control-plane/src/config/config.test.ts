import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs embedded on PGlite with no configuration, migrating at boot', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toMatch(/^pglite:\/.*\.thoth\/pgdata$/);
    expect(config.migrate).toBe(true);
    expect(config.limits.bodyBytes).toBe(262_144);
  });

  it('leaves migrating a server database to the deployer unless THOTH_MIGRATE says so', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://app:x@db/thoth' }).migrate).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://app:x@db/thoth', THOTH_MIGRATE: 'true' }).migrate).toBe(true);
  });

  it('fails fast naming every variable that is wrong', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x', THOTH_HTTP_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x', THOTH_HTTP_PORT: 'eighty' })).toThrow(/DATABASE_URL.*THOTH_HTTP_PORT/);
  });
});
