import { describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../event-store/concurrency.error.js';
import type { EnforcerStatusSink } from '../modules/enforcers/index.js';
import { QueuedStatusSink } from './queued-status-sink.js';

const who = { enforcerId: 'e1', instanceId: 'pod-1' };
const ack = (version: bigint) => ({ ...who, at: 1, tenantId: 't1', version, nonce: `n${version}` });

describe('QueuedStatusSink', () => {
  it('records one report at a time per enforcer, in order, retrying lost concurrency races', async () => {
    const log: string[] = [];
    let active = 0;
    let conflicts = 1;
    const inner: EnforcerStatusSink = {
      connected: async () => void log.push('connected'),
      disconnected: async () => void log.push('disconnected'),
      contact: async () => void log.push('contact'),
      acked: async (e) => {
        active++;
        expect(active).toBe(1);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        if (e.version === 2n && conflicts-- > 0) throw new ConcurrencyError('enforcer-e1', 3, 4);
        log.push(`ack ${e.version}`);
      },
      nacked: async () => void log.push('nack'),
    };
    const sink = new QueuedStatusSink(inner);
    const reports = [sink.connected({ ...who, at: 0, tenantIds: ['t1'], peer: 'p' }), sink.acked(ack(1n)), sink.acked(ack(2n)), sink.contact({ ...who, at: 2 })];
    await Promise.all(reports);
    expect(log).toEqual(['connected', 'ack 1', 'ack 2', 'contact']);
  });

  it('drops liveness reports beyond the queue bound, never ACKs, and passes other errors on', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const acks: bigint[] = [];
    const inner: EnforcerStatusSink = {
      connected: () => gate,
      disconnected: () => {},
      contact: () => {},
      acked: (e) => void acks.push(e.version),
      nacked: () => Promise.reject(new Error('database down')),
    };
    const sink = new QueuedStatusSink(inner, { maxQueued: 2 });
    const pending = [sink.connected({ ...who, at: 0, tenantIds: ['t1'], peer: 'p' }), sink.contact({ ...who, at: 1 }), sink.contact({ ...who, at: 2 }), sink.acked(ack(1n))];
    expect(sink.dropped).toBe(1);
    release();
    await Promise.all(pending);
    expect(acks).toEqual([1n]);
    await expect(sink.nacked({ ...ack(2n), errorCode: 'X', errorMessage: 'x' })).rejects.toThrow('database down');
  });
});
