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

describe('loadConfig: config distribution', () => {
  it('serves the config stream on 4001 and keeps a generated signing key under the data dir outside production', () => {
    const config = loadConfig({ THOTH_DATA_DIR: '/tmp/thoth-x' });
    expect(config.distribution).toEqual({ grpc: { host: '127.0.0.1', port: 4001 }, signingKey: undefined, keyFile: '/tmp/thoth-x/snapshot-signing.key' });
  });

  it('requires the signing key in production, and refuses the test hook outside tests', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/THOTH_SNAPSHOT_SIGNING_KEY: required in production/);
    expect(() => loadConfig({ THOTH_SNAPSHOT_SIGNING_KEY: 'c2hvcnQ=' })).toThrow(/THOTH_SNAPSHOT_SIGNING_KEY/);
    expect(() => loadConfig({ THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION: '2' })).toThrow(/only allowed with NODE_ENV=test/);
    expect(loadConfig({ NODE_ENV: 'test', THOTH_TEST_TAMPER_SNAPSHOT_POLICY_VERSION: '2' }).distribution?.tamperPolicyVersionForTest).toBe(2);
  });
});

describe('loadConfig: decision ingestion and the trial scheduler', () => {
  it('consumes the decision topic with its own group when KAFKA_BROKERS is set, and not otherwise', () => {
    expect(loadConfig({}).decisions).toBeUndefined();
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092,k2:9092', THOTH_DECISIONS_TOPIC: 'acme.decisions' }).decisions).toEqual({
      kafka: { brokers: ['k1:9092', 'k2:9092'], topic: 'acme.decisions', groupId: 'thoth-control-plane-decisions', sessionTimeoutMs: 30_000 },
    });
    expect(() => loadConfig({ KAFKA_BROKERS: 'nowhere' })).toThrow(/KAFKA_BROKERS: must be host:port/);
  });

  it('ticks the trial scheduler every minute unless told otherwise', () => {
    expect(loadConfig({}).trial).toEqual({ tickMs: 60_000 });
    expect(loadConfig({ THOTH_TRIAL_TICK_MS: '5000' }).trial).toEqual({ tickMs: 5_000 });
    expect(() => loadConfig({ THOTH_TRIAL_TICK_MS: '10' })).toThrow(/THOTH_TRIAL_TICK_MS/);
  });
});
