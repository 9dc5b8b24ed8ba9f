import { generateSignerKey } from '@thoth/merkle';
import { describe, expect, it } from 'vitest';
import { PlaintextRefusedError } from '@thoth/tls';
import { testTls } from '../../../../libs/testing/src/tls.js';
import { ConfigError, loadConfig } from './config.js';

const key = generateSignerKey('thoth.dev/ledger');
const kafka = { KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_TLS: 'true', KAFKA_SASL_USERNAME: 'thoth-ledger', KAFKA_SASL_PASSWORD: 'secret' };
const controlPlaneKey = Buffer.alloc(32, 5).toString('base64');
const base = { DATABASE_URL: 'postgres://u:p@db:5432/thoth', ...kafka, THOTH_LEDGER_SIGNING_KEY: key, THOTH_CONFIG_PUBLIC_KEYS: controlPlaneKey };

describe('loadConfig', () => {
  it('takes the signing key from the environment and defaults the rest', () => {
    const config = loadConfig(base);
    expect(config.signer.name).toBe('thoth.dev/ledger');
    expect(config.kafka).toEqual({
      connection: { brokers: ['k1:9092', 'k2:9092'], tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'thoth-ledger', password: 'secret' } },
      topic: 'thoth.decisions',
      groupId: 'thoth-ledger',
      sessionTimeoutMs: 30_000,
      concurrentPartitions: 3,
      receiptKeysTopic: 'thoth.receipt-keys',
    });
    expect(config.configPublicKeys).toEqual([controlPlaneKey]);
    // Plaintext to a broker beyond loopback: refused, with its code.
    expect(() => loadConfig({ ...base, KAFKA_TLS: undefined })).toThrow(/KAFKA_BROKERS k1:9092,k2:9092 is not loopback .*\(PLAINTEXT_REFUSED\)/);
    expect(config.checkpointIntervalMs).toBeLessThanOrEqual(1000);
    expect(config.anchorDir).toMatch(/\.thoth\/anchor$/);
  });

  it('serves /healthz, /readyz and /metrics on 127.0.0.1:9465 unless THOTH_LEDGER_OPS_HOST / THOTH_LEDGER_OPS_PORT say otherwise', () => {
    expect(loadConfig(base).ops).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(loadConfig({ ...base, THOTH_LEDGER_OPS_HOST: '0.0.0.0', THOTH_LEDGER_OPS_PORT: '9100' }).ops).toEqual({ host: '0.0.0.0', port: 9100 });
  });

  it('traces only with an OTLP endpoint (docs/telemetry.md), as thoth-ledger; a bad OTEL_* value is named with the rest', () => {
    expect(loadConfig(base).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/v1/traces', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }).tracing).toEqual({
      url: 'https://traces.example/v1/traces',
      serviceName: 'thoth-ledger',
      sampler: 'parentbased_traceidratio',
      samplerArg: 0.1,
    });
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('fails fast naming every wrong variable', () => {
    const attempt = () =>
      loadConfig({ DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nope', THOTH_LEDGER_SIGNING_KEY: 'PRIVATE+KEY+x+00000000+AAAA', THOTH_LEDGER_CHECKPOINT_INTERVAL_MS: '5000' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL.*KAFKA_BROKERS.*THOTH_LEDGER_CHECKPOINT_INTERVAL_MS.*THOTH_LEDGER_SIGNING_KEY/);
  });

  it('refuses to start without the control plane keys the receipt key directory is signed with', () => {
    const { THOTH_CONFIG_PUBLIC_KEYS: _, ...without } = base;
    expect(() => loadConfig(without)).toThrow(/THOTH_CONFIG_PUBLIC_KEYS: is required/);
    expect(() => loadConfig({ ...base, THOTH_CONFIG_PUBLIC_KEYS: 'c2hvcnQ=' })).toThrow(/THOTH_CONFIG_PUBLIC_KEYS.*32-byte/);
  });

  it('refuses to start without a signing key', () => {
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL, ...kafka })).toThrow(/THOTH_LEDGER_SIGNING_KEY/);
  });
});

describe('loadConfig: transport security', () => {
  it('serves the API over TLS, mutual with THOTH_LEDGER_HTTP_TLS_CLIENT_CA_FILE; names a bad file', async () => {
    const dev = await testTls('ledger-config-test');
    expect(loadConfig({ ...base, THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile, THOTH_LEDGER_HTTP_TLS_CLIENT_CA_FILE: dev.caFile }).http.tls).toEqual({ cert: dev.cert, key: dev.key, clientCa: dev.ca });
    expect(() => loadConfig({ ...base, THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: '/nonexistent.key' })).toThrow(/THOTH_TLS_KEY_FILE: cannot read \/nonexistent\.key \(ENOENT\)/);
  });

  it('refuses a plaintext API off loopback (PLAINTEXT_REFUSED) unless THOTH_ALLOW_PLAINTEXT=true', () => {
    expect(() => loadConfig({ ...base, THOTH_HTTP_HOST: '0.0.0.0' })).toThrow(PlaintextRefusedError);
    expect(() => loadConfig({ ...base, THOTH_HTTP_HOST: '0.0.0.0' })).toThrow(/^PLAINTEXT_REFUSED: the ledger API \(THOTH_HTTP_HOST\) would be plaintext on 0\.0\.0\.0/);
    expect(loadConfig({ ...base, THOTH_HTTP_HOST: '0.0.0.0', THOTH_ALLOW_PLAINTEXT: 'true' }).http.host).toBe('0.0.0.0');
  });
});
