import { describe, expect, it } from 'vitest';
import { LedgerReadiness, type LedgerReadinessSources } from './readiness.js';

const NOW = 1_000_000;
const ready: LedgerReadinessSources = {
  probeDatabase: async () => [{ '?column?': 1 }],
  membership: () => ({ joined: true, partitions: [0, 1, 2] }),
  checkpointer: () => ({ running: true, lastRoundAt: NOW - 250 }),
  maxCheckpointAgeMs: 30_000,
  now: () => NOW,
};

describe('LedgerReadiness', () => {
  it('is ready with the database answering, the consumer in its group and checkpoint rounds completing', async () => {
    const readiness = new LedgerReadiness(ready);
    expect(await readiness.status()).toEqual({
      ready: true,
      notReady: null,
      database: { reachable: true },
      consumer: { joined: true, partitions: [0, 1, 2] },
      checkpointer: { running: true, ageSeconds: 0.25 },
    });
    expect(readiness.ready).toBe(true);
  });

  const cases: Array<[string, Partial<LedgerReadinessSources>, string]> = [
    ['before the consumer started', { membership: () => undefined }, 'CONSUMER_NOT_JOINED'],
    ['while the consumer is out of its group', { membership: () => ({ joined: false, partitions: [] }) }, 'CONSUMER_NOT_JOINED'],
    ['with the database refusing', { probeDatabase: () => Promise.reject(new Error('connect ECONNREFUSED')) }, 'DATABASE_UNREACHABLE'],
    ['with the checkpointer stopped', { checkpointer: () => ({ running: false, lastRoundAt: NOW }) }, 'CHECKPOINTER_STOPPED'],
    ['with no checkpoint round for longer than allowed', { checkpointer: () => ({ running: true, lastRoundAt: NOW - 30_001 }) }, 'CHECKPOINTER_BEHIND'],
    ['before the first checkpoint round', { checkpointer: () => ({ running: true, lastRoundAt: undefined }) }, 'CHECKPOINTER_BEHIND'],
  ];
  it.each(cases)('is not ready %s, and says why', async (_, change, code) => {
    const readiness = new LedgerReadiness({ ...ready, ...change });
    const status = await readiness.status();
    expect(status).toMatchObject({ ready: false, notReady: { code } });
    expect(readiness.ready).toBe(false);
  });
});
