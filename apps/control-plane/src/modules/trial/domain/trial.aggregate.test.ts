import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { Trial } from './trial.aggregate.js';

const END = new Date('2026-06-08T12:00:00.000Z');
const LEASE = 5 * 60_000;
const at = (ms: number) => new Date(END.getTime() + ms);

/** The aggregate as another replica would load it after these events were appended. */
function reloaded(trial: Trial): Trial {
  const history: RecordedEvent[] = trial.uncommittedEvents.map((e, i) => ({
    position: BigInt(i + 1),
    tenantId: 't',
    streamId: 'trial-t',
    version: trial.version + i + 1,
    type: e.type,
    schemaVersion: e.schemaVersion,
    payload: e.payload,
    metadata: { actor: 'system:trial-scheduler', requestId: 'r' },
    recordedAt: new Date(0),
  }));
  return Trial.fromHistory(history);
}

describe('Trial', () => {
  it('has nothing to claim before its end', () => {
    const trial = Trial.fromHistory([]);
    expect(trial.claimReport({ endsAt: END, now: at(-1), retryAfterMs: LEASE })).toBe(false);
    expect(trial.uncommittedEvents).toEqual([]);
  });

  it('records its end at the first claim, once', () => {
    const trial = Trial.fromHistory([]);
    expect(trial.claimReport({ endsAt: END, now: at(1000), retryAfterMs: LEASE })).toBe(true);
    expect(trial.uncommittedEvents).toEqual([
      expect.objectContaining({ type: 'trial.ended', payload: { endsAt: END.toISOString(), endedAt: at(1000).toISOString() } }),
    ]);
    const again = reloaded(trial);
    expect(again.ended).toBe(true);
    expect(again.claimReport({ endsAt: END, now: at(2000), retryAfterMs: LEASE })).toBe(false);
  });

  it('claims another attempt only once the lease since the last one has passed, until a report is recorded', () => {
    const first = Trial.fromHistory([]);
    first.claimReport({ endsAt: END, now: at(0), retryAfterMs: LEASE });
    const trial = reloaded(first);
    expect(trial.claimReport({ endsAt: END, now: at(LEASE - 1), retryAfterMs: LEASE })).toBe(false);
    expect(trial.claimReport({ endsAt: END, now: at(LEASE), retryAfterMs: LEASE })).toBe(true);
    expect(trial.uncommittedEvents).toEqual([expect.objectContaining({ type: 'trial.report_retried', payload: { attempt: 2, requestedAt: at(LEASE).toISOString() } })]);
    expect(trial.attempts).toBe(2);

    trial.recordReport('rep-1', at(LEASE + 10));
    const done = reloaded(trial);
    expect(done.reportId).toBe('rep-1');
    expect(done.claimReport({ endsAt: END, now: at(10 * LEASE), retryAfterMs: LEASE })).toBe(false);
  });

  it('records one report: the same id again is a no-op, another id a conflict, none before the end', () => {
    expect(() => Trial.fromHistory([]).recordReport('rep-1', at(0))).toThrow(expect.objectContaining({ code: 'trial.not_ended' }));
    const trial = Trial.fromHistory([]);
    trial.claimReport({ endsAt: END, now: at(0), retryAfterMs: LEASE });
    trial.recordReport('rep-1', at(1));
    const done = reloaded(trial);
    done.recordReport('rep-1', at(2));
    expect(done.uncommittedEvents).toEqual([]);
    expect(() => done.recordReport('rep-2', at(3))).toThrow(expect.objectContaining({ code: 'trial.report_recorded' }));
  });
});
