import { describe, expect, it } from 'vitest';
import { PlaintextRefusedError } from '@thoth/tls';
import { testTls } from '../../../../libs/testing/src/tls.js';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs embedded on PGlite with no configuration, migrating at boot', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toMatch(/^pglite:\/.*\.thoth\/pgdata$/);
    expect(config.migrate).toBe(true);
    expect(config.limits.bodyBytes).toBe(262_144);
  });

  it('serves /healthz, /readyz and /metrics on 127.0.0.1:9464 unless THOTH_OPS_HOST / THOTH_OPS_PORT say otherwise', () => {
    expect(loadConfig({}).ops).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ THOTH_OPS_HOST: '0.0.0.0', THOTH_OPS_PORT: '0' }).ops).toEqual({ host: '0.0.0.0', port: 0 });
    expect(() => loadConfig({ THOTH_OPS_PORT: '70000' })).toThrow(/THOTH_OPS_PORT/);
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
    expect(config.distribution).toEqual({ grpc: { host: '127.0.0.1', port: 4001 }, signingKey: undefined, keyFile: '/tmp/thoth-x/snapshot-signing.key', leaseTtlMs: 10_000 });
  });

  it("leases strict limits' budgets for THOTH_LEASE_TTL_MS, at least two seconds", () => {
    expect(loadConfig({ THOTH_LEASE_TTL_MS: '30000' }).distribution?.leaseTtlMs).toBe(30_000);
    expect(() => loadConfig({ THOTH_LEASE_TTL_MS: '1000' })).toThrow(/THOTH_LEASE_TTL_MS/);
  });

  it('requires the signing key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/THOTH_SNAPSHOT_SIGNING_KEY: required in production/);
    expect(() => loadConfig({ THOTH_SNAPSHOT_SIGNING_KEY: 'c2hvcnQ=' })).toThrow(/THOTH_SNAPSHOT_SIGNING_KEY/);
  });
});

describe('loadConfig: decision ingestion and the trial scheduler', () => {
  it('consumes the decision topic with its own group when KAFKA_BROKERS is set, and not otherwise', () => {
    expect(loadConfig({}).decisions).toBeUndefined();
    const kafka = { KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_TLS: 'true', KAFKA_SASL_USERNAME: 'thoth-control-plane', KAFKA_SASL_PASSWORD: 'secret' };
    expect(loadConfig({ ...kafka, THOTH_DECISIONS_TOPIC: 'acme.decisions' }).decisions).toEqual({
      kafka: {
        connection: { brokers: ['k1:9092', 'k2:9092'], tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'thoth-control-plane', password: 'secret' } },
        topic: 'acme.decisions',
        groupId: 'thoth-control-plane-decisions',
        sessionTimeoutMs: 30_000,
      },
    });
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1:9092' })).toThrow(/KAFKA_BROKERS k1:9092 is not loopback.*\(PLAINTEXT_REFUSED\)/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'nowhere' })).toThrow(/KAFKA_BROKERS: must be host:port/);
  });

  it('ticks the trial scheduler every minute unless told otherwise', () => {
    expect(loadConfig({}).trial).toEqual({ tickMs: 60_000 });
    expect(loadConfig({ THOTH_TRIAL_TICK_MS: '5000' }).trial).toEqual({ tickMs: 5_000 });
    expect(() => loadConfig({ THOTH_TRIAL_TICK_MS: '10' })).toThrow(/THOTH_TRIAL_TICK_MS/);
  });

  it('runs the retention job every hour unless told otherwise', () => {
    expect(loadConfig({}).retention).toEqual({ tickMs: 3_600_000 });
    expect(loadConfig({ THOTH_RETENTION_TICK_MS: '60000' }).retention).toEqual({ tickMs: 60_000 });
    expect(() => loadConfig({ THOTH_RETENTION_TICK_MS: '10' })).toThrow(/THOTH_RETENTION_TICK_MS/);
  });
});

describe('loadConfig: alerts', () => {
  it('embedded: a secrets key file under the data dir, private networks allowed, evidence links to the local ledger', () => {
    const config = loadConfig({ THOTH_DATA_DIR: '/tmp/thoth-x' });
    expect(config.alerts).toMatchObject({
      secretsKey: undefined,
      secretsKeyFile: '/tmp/thoth-x/secrets.key',
      ledgerPublicUrl: 'http://127.0.0.1:4002',
      allowPrivateNetworks: true,
      worker: true,
      delivery: { timeoutMs: 5_000, leaseMs: 30_000, maxAttempts: 12, maxAgeMs: 86_400_000, backoff: { baseMs: 1_000, maxMs: 600_000 } },
    });
  });

  it('with a server database: public https destinations only unless told; THOTH_LEDGER_PUBLIC_URL for the links', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app:x@db/thoth', THOTH_LEDGER_PUBLIC_URL: 'https://ledger.example.com/', THOTH_ALERTS_BACKOFF_BASE_MS: '250' });
    expect(config.alerts).toMatchObject({ allowPrivateNetworks: false, ledgerPublicUrl: 'https://ledger.example.com', delivery: { backoff: { baseMs: 250 } } });
    expect(loadConfig({ DATABASE_URL: 'postgres://app:x@db/thoth', THOTH_ALERTS_ALLOW_PRIVATE_NETWORKS: 'true' }).alerts?.allowPrivateNetworks).toBe(true);
  });

  it('THOTH_PUBLIC_URL is the base of approval links: by default where the API listens', () => {
    expect(loadConfig({ THOTH_PUBLIC_URL: 'https://thoth.example.com/' }).publicUrl).toBe('https://thoth.example.com');
    expect(loadConfig({}).publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(() => loadConfig({ THOTH_PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/THOTH_PUBLIC_URL/);
  });

  it('requires the secrets key in production and refuses bad values', () => {
    const seed = Buffer.alloc(32, 1).toString('base64');
    expect(() => loadConfig({ NODE_ENV: 'production', THOTH_SNAPSHOT_SIGNING_KEY: seed })).toThrow(/THOTH_SECRETS_KEY: required in production/);
    expect(loadConfig({ NODE_ENV: 'production', THOTH_SNAPSHOT_SIGNING_KEY: seed, THOTH_SECRETS_KEY: seed }).alerts?.secretsKey).toBe(seed);
    expect(() => loadConfig({ THOTH_SECRETS_KEY: 'c2hvcnQ=' })).toThrow(/THOTH_SECRETS_KEY/);
    expect(() => loadConfig({ THOTH_LEDGER_PUBLIC_URL: 'ftp://ledger' })).toThrow(/THOTH_LEDGER_PUBLIC_URL/);
    expect(() => loadConfig({ THOTH_ALERTS_TIMEOUT_MS: '40000', THOTH_ALERTS_LEASE_MS: '30000' })).toThrow(/THOTH_ALERTS_LEASE_MS: must be longer/);
  });
});

describe('loadConfig: transport security', () => {
  it('serves both listeners over TLS with THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE; the config stream asks enforcers for certificates of THOTH_GRPC_TLS_CLIENT_CA_FILE', async () => {
    const dev = await testTls('cp-config-test');
    const config = loadConfig({ THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile, THOTH_GRPC_TLS_CLIENT_CA_FILE: dev.caFile });
    expect(config.http.tls).toEqual({ cert: dev.cert, key: dev.key });
    expect(config.distribution?.grpc.tls).toEqual({ cert: dev.cert, key: dev.key, clientCa: dev.ca });
    expect(config.alerts?.ledgerPublicUrl).toBe('https://127.0.0.1:4002');
    expect(() => loadConfig({ THOTH_TLS_CERT_FILE: dev.certFile })).toThrow(/invalid configuration — THOTH_TLS_KEY_FILE: required with THOTH_TLS_CERT_FILE/);
  });

  it('refuses plaintext off loopback (PLAINTEXT_REFUSED, naming the listener and what to set) unless THOTH_ALLOW_PLAINTEXT=true', async () => {
    expect(() => loadConfig({ THOTH_HTTP_HOST: '::1', THOTH_GRPC_HOST: 'localhost' })).not.toThrow();
    const refused = (() => {
      try {
        loadConfig({ THOTH_GRPC_HOST: '0.0.0.0' });
      } catch (error) {
        return error as PlaintextRefusedError;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(PlaintextRefusedError);
    expect(refused?.code).toBe('PLAINTEXT_REFUSED');
    expect(refused?.message).toMatch(/^PLAINTEXT_REFUSED: the config stream \(THOTH_GRPC_HOST\) would be plaintext on 0\.0\.0\.0, which is not a loopback address: set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE; or set THOTH_ALLOW_PLAINTEXT=true/);
    expect(() => loadConfig({ THOTH_HTTP_HOST: '0.0.0.0', THOTH_GRPC_HOST: '0.0.0.0', THOTH_ALLOW_PLAINTEXT: 'true' })).not.toThrow();
    const dev = await testTls('cp-config-test');
    expect(loadConfig({ THOTH_HTTP_HOST: '0.0.0.0', THOTH_GRPC_HOST: '::', THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile }).http.host).toBe('0.0.0.0');
  });
});
