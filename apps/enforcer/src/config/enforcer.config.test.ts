import { describe, expect, it } from 'vitest';
import { PlaintextRefusedError } from '@thoth/tls';
import { testTls } from '../../../../libs/testing/src/tls.js';
import { ConfigError, loadConfig } from './enforcer.config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('needs only the control plane keys; Kafka and the control plane are optional', () => {
    const config = loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY });
    expect(config.kafka).toBeUndefined();
    expect(config.controlPlane).toBeUndefined();
    expect(config.decisionBufferSize).toBe(100_000);
    expect(config.idempotency).toEqual({ ttlMs: 600_000, maxEntries: 100_000 });
    expect(config.grpc).toEqual({ host: '127.0.0.1', port: 4100 });
    expect(config).toMatchObject({ windowMaxKeys: 100_000, windowMaxKeysPerTenant: 25_000, windowMaxKeysPerAgent: 5_000 });
  });

  it('traces only with an OTLP endpoint (docs/telemetry.md), as thoth-enforcer unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY }).tracing).toBeUndefined();
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'thoth-enforcer',
      sampler: 'parentbased_always_on',
      samplerArg: 1,
    });
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
  });

  it('reads the window key quotas', () => {
    const config = loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_WINDOW_MAX_KEYS: '1000000', THOTH_WINDOW_MAX_KEYS_PER_TENANT: '100000', THOTH_WINDOW_MAX_KEYS_PER_AGENT: '2000' });
    expect(config).toMatchObject({ windowMaxKeys: 1_000_000, windowMaxKeysPerTenant: 100_000, windowMaxKeysPerAgent: 2_000 });
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_WINDOW_MAX_KEYS_PER_AGENT: '0' })).toThrow(/THOTH_WINDOW_MAX_KEYS_PER_AGENT/);
  });

  it('reads the limits before authentication and of HTTP/2 connections', () => {
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY })).toMatchObject({
      refusalsPerPeerPerMinute: 600,
      refusalLogLinesPerMinute: 10,
      http2: { maxConcurrentStreams: 256, maxSessionMemoryMb: 64 },
    });
    const config = loadConfig({
      THOTH_CONFIG_PUBLIC_KEYS: KEY,
      THOTH_ENFORCER_REFUSALS_PER_PEER_PER_MINUTE: '60',
      THOTH_ENFORCER_REFUSAL_LOG_LINES_PER_MINUTE: '0',
      THOTH_ENFORCER_GRPC_MAX_CONCURRENT_STREAMS: '100',
      THOTH_ENFORCER_GRPC_MAX_SESSION_MEMORY_MB: '32',
    });
    expect(config).toMatchObject({ refusalsPerPeerPerMinute: 60, refusalLogLinesPerMinute: 0, http2: { maxConcurrentStreams: 100, maxSessionMemoryMb: 32 } });
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_ENFORCER_GRPC_MAX_CONCURRENT_STREAMS: '0' })).toThrow(/THOTH_ENFORCER_GRPC_MAX_CONCURRENT_STREAMS/);
  });

  it('reads the approval timeout: two seconds by default, bounded', () => {
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY }).approvalTimeoutMs).toBe(2_000);
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_APPROVAL_TIMEOUT_MS: '500' }).approvalTimeoutMs).toBe(500);
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_APPROVAL_TIMEOUT_MS: '0' })).toThrow(/THOTH_APPROVAL_TIMEOUT_MS/);
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_APPROVAL_TIMEOUT_MS: '600000' })).toThrow(/THOTH_APPROVAL_TIMEOUT_MS/);
  });

  it('reads the maximum staleness: five minutes by default, no less than three heartbeats', () => {
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY }).maxStalenessMs).toBe(300_000);
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_ENFORCER_MAX_STALENESS_SECONDS: '120' }).maxStalenessMs).toBe(120_000);
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_ENFORCER_MAX_STALENESS_SECONDS: '10' })).toThrow(/THOTH_ENFORCER_MAX_STALENESS_SECONDS/);
  });

  it("reads how long a call waits for a strict limit's lease: 250 ms by default", () => {
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY }).leaseWaitMs).toBe(250);
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_LEASE_WAIT_MS: '1000' }).leaseWaitMs).toBe(1_000);
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_LEASE_WAIT_MS: '0' })).toThrow(/THOTH_LEASE_WAIT_MS/);
  });

  it('reads the production wiring', () => {
    const config = loadConfig({
      THOTH_CONFIG_PUBLIC_KEYS: `${KEY}, ${KEY}`,
      THOTH_CONTROL_PLANE_GRPC: 'cp:4001',
      THOTH_ENFORCER_TOKEN: 'thoth_et_abc',
      THOTH_ENFORCER_TENANTS: 't1,t2',
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      KAFKA_TLS: 'true',
      KAFKA_SASL_USERNAME: 'thoth-enforcer',
      KAFKA_SASL_PASSWORD: 'secret',
      THOTH_DECISION_BUFFER_SIZE: '5000',
      THOTH_ENFORCER_IDEMPOTENCY_TTL_MS: '30000',
      THOTH_ENFORCER_IDEMPOTENCY_MAX_ENTRIES: '500',
      // A control plane at a name, in plaintext: meant (its TLS is the next test's).
      THOTH_ALLOW_PLAINTEXT: 'true',
    });
    expect(config.idempotency).toEqual({ ttlMs: 30_000, maxEntries: 500 });
    expect(config.controlPlane).toEqual({ address: 'cp:4001', token: 'thoth_et_abc', tenantIds: ['t1', 't2'] });
    expect(config.kafka).toEqual({
      connection: { brokers: ['k1:9092', 'k2:9092'], tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'thoth-enforcer', password: 'secret' } },
      topic: 'thoth.decisions',
    });
    // The same brokers without TLS and SASL: refused, naming what is missing.
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, KAFKA_BROKERS: 'k1:9092' })).toThrow(/KAFKA_BROKERS k1:9092 is not loopback.*TLS.*SASL/);
    expect(config.configPublicKeys).toHaveLength(2);
  });

  it('shares window counters through Kafka by default (THOTH_FLEET_STATE), never without it', () => {
    const kafka = { THOTH_CONFIG_PUBLIC_KEYS: KEY, KAFKA_BROKERS: '127.0.0.1:9092' };
    expect(loadConfig(kafka).fleet).toEqual({ decisionsTopic: 'thoth.decisions', receiptKeysTopic: 'thoth.receipt-keys', lagRefreshMs: 1_000 });
    expect(loadConfig({ ...kafka, THOTH_DECISIONS_TOPIC: 'd', THOTH_RECEIPT_KEYS_TOPIC: 'k', THOTH_FLEET_LAG_REFRESH_MS: '100' }).fleet).toEqual({ decisionsTopic: 'd', receiptKeysTopic: 'k', lagRefreshMs: 100 });
    expect(loadConfig({ ...kafka, THOTH_FLEET_STATE: 'off' }).fleet).toBeUndefined();
    expect(loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY }).fleet).toBeUndefined();
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_FLEET_STATE: 'on' })).toThrow(/THOTH_FLEET_STATE: on needs Kafka/);
    expect(() => loadConfig({ ...kafka, THOTH_FLEET_STATE: 'yes' })).toThrow(/THOTH_FLEET_STATE/);
  });

  it('fails fast, naming every bad variable', () => {
    let message = '';
    try {
      loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: 'short', THOTH_DECISION_BUFFER_SIZE: '0', THOTH_CONTROL_PLANE_GRPC: 'cp:1', THOTH_ENFORCER_IDEMPOTENCY_MAX_ENTRIES: '0' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/THOTH_CONFIG_PUBLIC_KEYS/);
    expect(message).toMatch(/THOTH_DECISION_BUFFER_SIZE/);
    expect(message).toMatch(/THOTH_ENFORCER_IDEMPOTENCY_MAX_ENTRIES/);
  });
});

describe('loadConfig: transport security', () => {
  it('serves Decide over TLS (mutual with THOTH_ENFORCER_GRPC_TLS_CLIENT_CA_FILE) and reaches the config stream over mutual TLS', async () => {
    const dev = await testTls('enforcer-config-test');
    const config = loadConfig({
      THOTH_CONFIG_PUBLIC_KEYS: KEY,
      THOTH_ENFORCER_GRPC_HOST: '0.0.0.0',
      THOTH_TLS_CERT_FILE: dev.certFile,
      THOTH_TLS_KEY_FILE: dev.keyFile,
      THOTH_ENFORCER_GRPC_TLS_CLIENT_CA_FILE: dev.caFile,
      THOTH_CONTROL_PLANE_GRPC: 'cp:4001',
      THOTH_ENFORCER_TOKEN: 'thoth_et_abc',
      THOTH_CONTROL_PLANE_CA_FILE: dev.caFile,
      THOTH_CONTROL_PLANE_CERT_FILE: dev.certFile,
      THOTH_CONTROL_PLANE_KEY_FILE: dev.keyFile,
    });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 4100, tls: { cert: dev.cert, key: dev.key, clientCa: dev.ca } });
    expect(config.controlPlane?.tls).toEqual({ ca: dev.ca, cert: dev.cert, key: dev.key });
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_CONTROL_PLANE_CERT_FILE: dev.certFile, THOTH_CONTROL_PLANE_KEY_FILE: dev.keyFile })).toThrow(
      /THOTH_CONTROL_PLANE_CA_FILE: required with THOTH_CONTROL_PLANE_CERT_FILE/,
    );
  });

  it('refuses plaintext Decide off loopback and a plaintext config stream to an address that is not loopback (PLAINTEXT_REFUSED), unless THOTH_ALLOW_PLAINTEXT=true', () => {
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_ENFORCER_GRPC_HOST: '::' })).toThrow(PlaintextRefusedError);
    expect(() => loadConfig({ THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_ENFORCER_GRPC_HOST: '::' })).toThrow(/^PLAINTEXT_REFUSED: Decide \(THOTH_ENFORCER_GRPC_HOST\) would be plaintext on ::/);
    const wiring = { THOTH_CONFIG_PUBLIC_KEYS: KEY, THOTH_ENFORCER_TOKEN: 'thoth_et_abc' };
    expect(() => loadConfig({ ...wiring, THOTH_CONTROL_PLANE_GRPC: 'control-plane:4001' })).toThrow(
      /^PLAINTEXT_REFUSED: the config stream client \(THOTH_CONTROL_PLANE_GRPC\) would be plaintext on control-plane, which is not a loopback address: set THOTH_CONTROL_PLANE_CA_FILE/,
    );
    expect(loadConfig({ ...wiring, THOTH_CONTROL_PLANE_GRPC: '[::1]:4001' }).controlPlane?.address).toBe('[::1]:4001');
    expect(loadConfig({ ...wiring, THOTH_CONTROL_PLANE_GRPC: 'control-plane:4001', THOTH_ALLOW_PLAINTEXT: 'true' }).controlPlane?.tls).toBeUndefined();
  });
});
