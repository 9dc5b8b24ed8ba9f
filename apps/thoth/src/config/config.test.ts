import { describe, expect, it } from 'vitest';
import { PlaintextRefusedError } from '@thoth/tls';
import { testTls } from '../../../../libs/testing/src/tls.js';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs embedded with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('embedded');
    expect(config.databaseUrl).toMatch(/^pglite:\/.*\.thoth\/pgdata$/);
    expect(config.kafka).toBeUndefined();
  });

  it('serves one operations listener only when THOTH_OPS_PORT is given', () => {
    expect(loadConfig({}).ops).toBeUndefined();
    expect(loadConfig({ THOTH_OPS_PORT: '9464' }).ops).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(() => loadConfig({ THOTH_OPS_PORT: 'ninety' })).toThrow(/THOTH_OPS_PORT/);
  });

  it('switches to production wiring when DATABASE_URL is set', () => {
    const kafka = { KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_TLS: 'true', KAFKA_SASL_USERNAME: 'thoth', KAFKA_SASL_PASSWORD: 'secret' };
    const config = loadConfig({ DATABASE_URL: 'postgres://thoth:x@db:5432/thoth', ...kafka });
    expect(config.mode).toBe('production');
    expect(config.databaseUrl).toBe('postgres://thoth:x@db:5432/thoth');
    expect(config.kafka).toEqual({ brokers: ['k1:9092', 'k2:9092'], tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'thoth', password: 'secret' } });
  });

  it('refuses Kafka beyond loopback without TLS and SASL, unless THOTH_ALLOW_PLAINTEXT=true', () => {
    const refused = (() => {
      try {
        return loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_TLS: 'true' });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused).toMatchObject({ code: 'PLAINTEXT_REFUSED', message: expect.stringMatching(/KAFKA_BROKERS k1:9092 is not loopback and the connection has no SASL/) });
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092', THOTH_ALLOW_PLAINTEXT: 'true' }).kafka).toEqual({ brokers: ['k1:9092'], tls: undefined, sasl: undefined });
    expect(loadConfig({ KAFKA_BROKERS: '127.0.0.1:19092' }).kafka?.brokers).toEqual(['127.0.0.1:19092']);
  });

  it('fails fast and names every variable that is wrong', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x', THOTH_LOG_LEVEL: 'loud', KAFKA_BROKERS: 'nope' })).toThrow(ConfigError);
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', THOTH_LOG_LEVEL: 'loud', KAFKA_BROKERS: 'nope' });
    } catch (error) {
      expect((error as Error).message).toMatch(/DATABASE_URL/);
      expect((error as Error).message).toMatch(/THOTH_LOG_LEVEL/);
      expect((error as Error).message).toMatch(/KAFKA_BROKERS/);
    }
  });

  it('creates a missing decisions topic by default (3 partitions, 7 days), and says how else', () => {
    expect(loadConfig({}).decisionsTopicSpec).toEqual({ create: true, partitions: 3, replicationFactor: undefined, retentionMs: 2_764_800_000 });
    expect(loadConfig({}).logFormat).toBe('auto');
    const custom = loadConfig({
      THOTH_KAFKA_CREATE_TOPICS: 'false',
      THOTH_DECISIONS_PARTITIONS: '12',
      THOTH_DECISIONS_REPLICATION_FACTOR: '3',
      THOTH_DECISIONS_RETENTION_MS: '-1',
      THOTH_LOG_FORMAT: 'json',
    });
    expect(custom.decisionsTopicSpec).toEqual({ create: false, partitions: 12, replicationFactor: 3, retentionMs: -1 });
    expect(custom.logFormat).toBe('json');
    expect(() => loadConfig({ THOTH_DECISIONS_PARTITIONS: '0' })).toThrow(/THOTH_DECISIONS_PARTITIONS/);
    expect(() => loadConfig({ THOTH_LOG_FORMAT: 'xml' })).toThrow(/THOTH_LOG_FORMAT/);
  });

  it('seeds the demo tenant in embedded wiring only, and refuses THOTH_DEMO=true in production wiring', () => {
    expect(loadConfig({}).seedDemo).toBe(true);
    expect(loadConfig({ THOTH_DEMO: 'false' }).seedDemo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://thoth:x@db:5432/thoth', KAFKA_BROKERS: '127.0.0.1:9092' }).seedDemo).toBe(false);
    expect(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092' }).seedDemo).toBe(false);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://thoth:x@db:5432/thoth', THOTH_DEMO: 'true' })).toThrow(/THOTH_DEMO=true: the demo tenant is never created in production wiring/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1:9092', THOTH_DEMO: 'true' })).toThrow(ConfigError);
  });
});

describe('loadConfig: transport security', () => {
  it('serves the ledger API over TLS in production wiring; refuses TLS beside the demo tenant, and plaintext off loopback', async () => {
    const dev = await testTls('thoth-config-test');
    const production = { DATABASE_URL: 'postgres://thoth:x@db:5432/thoth', THOTH_HTTP_HOST: '0.0.0.0' };
    expect(loadConfig({ ...production, THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile }).ledger.tls).toEqual({ cert: dev.cert, key: dev.key });
    expect(() => loadConfig({ THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile })).toThrow(/THOTH_DEMO=false/);
    expect(() => loadConfig(production)).toThrow(PlaintextRefusedError);
    expect(() => loadConfig(production)).toThrow(/^PLAINTEXT_REFUSED: the ledger API \(THOTH_HTTP_HOST\) would be plaintext on 0\.0\.0\.0/);
    expect(loadConfig({ ...production, THOTH_ALLOW_PLAINTEXT: 'true' }).ledger.tls).toBeUndefined();
  });
});
