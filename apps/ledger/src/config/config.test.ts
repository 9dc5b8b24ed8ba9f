import { generateSignerKey } from '@thoth/merkle';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const key = generateSignerKey('thoth.dev/ledger');
const base = { DATABASE_URL: 'postgres://u:p@db:5432/thoth', KAFKA_BROKERS: 'k1:9092,k2:9092', THOTH_LEDGER_SIGNING_KEY: key };

describe('loadConfig', () => {
  it('takes the signing key from the environment and defaults the rest', () => {
    const config = loadConfig(base);
    expect(config.signer.name).toBe('thoth.dev/ledger');
    expect(config.kafka).toEqual({ brokers: ['k1:9092', 'k2:9092'], topic: 'thoth.decisions', groupId: 'thoth-ledger', sessionTimeoutMs: 30_000, concurrentPartitions: 3 });
    expect(config.checkpointIntervalMs).toBeLessThanOrEqual(1000);
    expect(config.anchorDir).toMatch(/\.thoth\/anchor$/);
  });

  it('fails fast naming every wrong variable', () => {
    const attempt = () =>
      loadConfig({ DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nope', THOTH_LEDGER_SIGNING_KEY: 'PRIVATE+KEY+x+00000000+AAAA', THOTH_LEDGER_CHECKPOINT_INTERVAL_MS: '5000' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL.*KAFKA_BROKERS.*THOTH_LEDGER_CHECKPOINT_INTERVAL_MS.*THOTH_LEDGER_SIGNING_KEY/);
  });

  it('refuses to start without a signing key', () => {
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL, KAFKA_BROKERS: base.KAFKA_BROKERS })).toThrow(/THOTH_LEDGER_SIGNING_KEY/);
  });
});
