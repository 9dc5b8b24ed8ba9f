import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaClientConfig, readKafkaConnection, type KafkaConnectionError } from './kafka-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'thoth-kafka-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const refusal = (env: NodeJS.ProcessEnv, prefix?: string) => {
  try {
    readKafkaConnection(env, prefix);
  } catch (error) {
    return error as KafkaConnectionError;
  }
  throw new Error('expected a KafkaConnectionError');
};

describe('readKafkaConnection', () => {
  it('is undefined without brokers: no Kafka (the embedded default needs no configuration)', () => {
    expect(readKafkaConnection({})).toBeUndefined();
    expect(readKafkaConnection({ KAFKA_SASL_USERNAME: 'x' })).toBeUndefined();
  });

  it('reads TLS and SCRAM, the password and CA from files', () => {
    const ca = file('ca.crt', '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
    const password = file('password', 'p4ss\n');
    expect(
      readKafkaConnection({ KAFKA_BROKERS: 'k1:9093,k2:9093', KAFKA_SASL_USERNAME: 'thoth-ledger', KAFKA_SASL_PASSWORD_FILE: password, KAFKA_TLS_CA_FILE: ca }),
    ).toEqual({
      brokers: ['k1:9093', 'k2:9093'],
      tls: { ca: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n' },
      sasl: { mechanism: 'scram-sha-512', username: 'thoth-ledger', password: 'p4ss' },
    });
    expect(readKafkaConnection({ THOTH_TEST_KAFKA_BROKERS: '127.0.0.1:29092', THOTH_TEST_KAFKA_SASL_USERNAME: 'admin', THOTH_TEST_KAFKA_SASL_PASSWORD: 'x', THOTH_TEST_KAFKA_TLS: 'true' }, 'THOTH_TEST_KAFKA_'))
      .toEqual({ brokers: ['127.0.0.1:29092'], tls: {}, sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'x' } });
  });

  it('refuses plaintext or anonymous Kafka beyond loopback unless THOTH_ALLOW_PLAINTEXT=true', () => {
    expect(refusal({ KAFKA_BROKERS: 'kafka.internal:9092' })).toMatchObject({
      code: 'PLAINTEXT_REFUSED',
      message: expect.stringMatching(/^PLAINTEXT_REFUSED: KAFKA_BROKERS kafka\.internal:9092 is not loopback and the connection has no TLS .* and SASL/),
    });
    expect(refusal({ KAFKA_BROKERS: 'kafka.internal:9092', KAFKA_TLS: 'true' })).toMatchObject({ code: 'PLAINTEXT_REFUSED', message: expect.stringMatching(/has no SASL/) });
    expect(refusal({ KAFKA_BROKERS: '127.0.0.1:9092,kafka.internal:9092' })).toMatchObject({ code: 'PLAINTEXT_REFUSED' });
    expect(readKafkaConnection({ KAFKA_BROKERS: 'kafka.internal:9092', THOTH_ALLOW_PLAINTEXT: 'true' })).toEqual({ brokers: ['kafka.internal:9092'], tls: undefined, sasl: undefined });
    expect(readKafkaConnection({ KAFKA_BROKERS: '127.0.0.1:19092,localhost:19093,[::1]:19094' })?.brokers).toHaveLength(3);
  });

  it('names the variable that is wrong', () => {
    expect(refusal({ KAFKA_BROKERS: 'nope' })).toMatchObject({ code: 'kafka.config_invalid', message: 'KAFKA_BROKERS: must be host:port[,host:port…]' });
    expect(refusal({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_SASL_USERNAME: 'u' }).message).toMatch(/^KAFKA_SASL_PASSWORD: KAFKA_SASL_USERNAME is set without a password/);
    expect(refusal({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_SASL_PASSWORD: 'p' }).message).toMatch(/^KAFKA_SASL_USERNAME:/);
    expect(refusal({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_MECHANISM: 'plain' }).message).toMatch(/^KAFKA_SASL_MECHANISM:/);
    expect(refusal({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_TLS_CA_FILE: join(dir, 'absent.crt') }).message).toMatch(/^KAFKA_TLS_CA_FILE: cannot read .*absent\.crt: ENOENT/);
    expect(refusal({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_TLS_CERT_FILE: file('c.crt', 'c') }).message).toMatch(/^KAFKA_TLS_KEY_FILE:/);
  });
});

describe('kafkaClientConfig', () => {
  it('gives kafkajs the CA, the client certificate and SCRAM', () => {
    const config = kafkaClientConfig(
      { brokers: ['k:9093'], tls: { ca: 'CA', cert: 'CERT', key: 'KEY' }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } },
      { clientId: 'x' },
    );
    expect(config).toEqual({ clientId: 'x', brokers: ['k:9093'], ssl: { ca: ['CA'], cert: 'CERT', key: 'KEY' }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(kafkaClientConfig({ brokers: ['127.0.0.1:1'] }, { clientId: 'x' })).toEqual({ clientId: 'x', brokers: ['127.0.0.1:1'] });
  });
});
