import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { Clock } from '../../../../platform/clock/clock.js';
import type { DecisionRecord } from '../../../decisions/domain/decision-record.js';
import { decisionRecord } from '../../../decisions/domain/test-fixtures.js';
import type { DecisionRecordsRepository } from '../../../decisions/index.js';
import { BASELINE_LEARNING, type StoredBaseline } from '../../domain/baseline.js';
import type { BaselineLearnedPayload } from '../../domain/events/baseline-learned.event.js';
import { LearnBaselinesCommand } from './learn-baselines.command.js';
import { LearnBaselinesHandler } from './learn-baselines.handler.js';

const TENANT = 'c0ffee00-0000-4000-8000-000000000001';
const FP = 'a'.repeat(64);
const NOW = new Date('2026-05-15T00:00:00.000Z');
const clock: Clock = { now: () => NOW };
const caller = { tenantId: TENANT, actor: 'key:k1', requestId: 'req-1' };

function record(i: number, over: Partial<DecisionRecord> = {}): DecisionRecord {
  const at = new Date(NOW.getTime() - 2 * 86_400_000 + i * 10_000);
  return decisionRecord({ tenantId: TENANT, decisionId: `d-${String(i).padStart(6, '0')}`, resource: `crm/contacts/${i}`, credentialFingerprint: FP, requestedAt: at, decidedAt: at, ...over });
}

/** The read model's window query over an array, paged as the repository pages. */
function decisionsOf(records: DecisionRecord[]): Pick<DecisionRecordsRepository, 'inWindow'> & { pages: number } {
  const fake = {
    pages: 0,
    async inWindow(_tenantId: string, w: Parameters<DecisionRecordsRepository['inWindow']>[1] = {}) {
      fake.pages++;
      const after = w.after;
      const rows = records.filter((r) => (!w.from || r.decidedAt >= w.from) && (!w.to || r.decidedAt < w.to) && (!after || r.decidedAt > after.decidedAt || (r.decidedAt.getTime() === after.decidedAt.getTime() && r.decisionId > after.decisionId)));
      return rows.slice(0, w.limit ?? rows.length);
    },
  };
  return fake;
}

/** The read model of the baselines, as the projection would keep it from the store's events. */
function baselinesOf(store: InMemoryEventStore) {
  return {
    async list(tenantId: string): Promise<StoredBaseline[]> {
      const latest = new Map<string, { p: BaselineLearnedPayload; version: number }>();
      for (const e of store.recorded.filter((x) => x.tenantId === tenantId && x.type === 'baseline.learned')) latest.set(e.streamId, { p: e.payload as BaselineLearnedPayload, version: e.version });
      return [...latest.values()].map(({ p, version }) => ({ ...p, subjectKind: p.subjectKind, learnedFrom: new Date(p.learnedFrom), learnedUntil: new Date(p.learnedUntil), version }));
    },
  };
}

describe('LearnBaselinesHandler', () => {
  it('learns every subject from the window, page by page, and records each baseline once until it changes', async () => {
    const store = new InMemoryEventStore();
    const records = Array.from({ length: 2 * BASELINE_LEARNING.pageSize + 10 }, (_, i) => record(i));
    const decisions = decisionsOf(records);
    const handler = new LearnBaselinesHandler(store, decisions, baselinesOf(store), clock, pino({ level: 'silent' }));

    const first = await handler.execute(new LearnBaselinesCommand(caller, 'api'));
    expect(first).toMatchObject({ decisionsRead: records.length, decisionsLearnedFrom: records.length, subjects: 2, recorded: 2, truncated: false });
    expect(first.window).toEqual({ from: new Date(NOW.getTime() - 14 * 86_400_000), until: NOW });
    expect(decisions.pages).toBe(3);
    expect(store.recorded.map((e) => [e.streamId, e.type, e.version])).toEqual([
      [`baseline-${TENANT}-credential-${FP}`, 'baseline.learned', 1],
      [`baseline-${TENANT}-agent-crm-agent`, 'baseline.learned', 1],
    ]);
    expect(store.recorded[0]!.payload).toMatchObject({ subjectKind: 'credential', observations: records.length, regions: ['eu-west-1'], networks: ['10.20.1.0/24'], revision: 'new' });
    expect(store.recorded[0]!.metadata).toEqual({ actor: 'key:k1', requestId: 'req-1' });

    const again = await handler.execute(new LearnBaselinesCommand(caller, 'schedule'));
    expect(again.recorded).toBe(0);

    records.push(record(records.length, { sourceRegion: 'us-east-1' }));
    const changed = await handler.execute(new LearnBaselinesCommand(caller, 'schedule'));
    expect(changed.recorded).toBe(2);
    expect(store.recorded.at(-1)).toMatchObject({ version: 2, payload: { revision: 'changed', regions: ['eu-west-1', 'us-east-1'] } });
  });

  it('learns only from normal use: denials, shadow would-denies and alerted drift are left out', async () => {
    const store = new InMemoryEventStore();
    const drift = { ruleId: 'drift:credential:locations', reason: '', severity: 'high' as const, kind: 'drift', effect: 'flag' as const };
    const records = [
      ...Array.from({ length: 60 }, (_, i) => record(i)),
      record(60, { sourceRegion: 'ap-south-1', outcome: 'deny' }),
      record(61, { sourceRegion: 'ap-south-1', outcome: 'would_deny' }),
      record(62, { sourceRegion: 'ap-south-1', matchedRules: [drift] }),
    ];
    const handler = new LearnBaselinesHandler(store, decisionsOf(records), baselinesOf(store), clock, pino({ level: 'silent' }));
    const result = await handler.execute(new LearnBaselinesCommand(caller, 'api'));
    expect(result).toMatchObject({ decisionsRead: 63, decisionsLearnedFrom: 60 });
    expect(store.recorded[0]!.payload).toMatchObject({ regions: ['eu-west-1'], observations: 60 });
  });

  it('leaves a subject to a learner that recorded it first', async () => {
    const store = new InMemoryEventStore();
    const stale = { async list(): Promise<StoredBaseline[]> { return []; } };
    const handler = new LearnBaselinesHandler(store, decisionsOf([record(0)]), stale, clock, pino({ level: 'silent' }));
    await handler.execute(new LearnBaselinesCommand(caller, 'api'));
    // Reads nothing stored (stale), appends at version 0 again: the store refuses, nothing is lost or doubled.
    const second = await handler.execute(new LearnBaselinesCommand(caller, 'api'));
    expect(second.recorded).toBe(0);
    expect(store.recorded).toHaveLength(2);
  });
});
