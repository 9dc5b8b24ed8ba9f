import { describe, expect, it } from 'vitest';
import { networkOf, toolClass } from './decision-facts.js';
import { ShadowReportBuilder, type ShadowReport } from './shadow-report.js';
import { DAY, decision, denyRule, HOUR, T0, wouldDeny } from './test-fixtures.js';
import type { DecisionRecord } from '../../decisions/domain/decision-record.js';

const WINDOW = { from: new Date(T0), to: new Date(T0 + 7 * DAY) };

function report(records: readonly DecisionRecord[], window = WINDOW): ShadowReport {
  const builder = new ShadowReportBuilder(window);
  for (const r of records) builder.add(r);
  return builder.build(new Date(T0 + 7 * DAY), undefined, []);
}

describe('shadow report numbers', () => {
  const fpA = 'a'.repeat(64);
  const fpB = 'b'.repeat(64);
  const records = [
    // crm-agent: 3 reads on day 0 (hours 0, 0, 5), 2 on day 3
    decision({ at: T0 + 10 * 60_000 }),
    decision({ at: T0 + 20 * 60_000 }),
    decision({ at: T0 + 5 * HOUR }),
    decision({ at: T0 + 3 * DAY + HOUR }),
    decision({ at: T0 + 3 * DAY + 2 * HOUR, tool: 'crm.update_contact' }),
    // billing-agent: 2 calls on day 1 with credential B; one would-deny on day 6
    decision({ at: T0 + DAY + HOUR, agentId: 'billing-agent', tool: 'billing.pay', resource: 'billing/invoices', credentialFingerprint: fpB }),
    decision({ at: T0 + DAY + 2 * HOUR, agentId: 'billing-agent', tool: 'billing.pay', resource: 'billing/invoices', credentialFingerprint: fpB }),
    wouldDeny({ at: T0 + 6 * DAY, agentId: 'billing-agent', tool: 'billing.refund', resource: 'billing/invoices', credentialFingerprint: fpB }, denyRule('no-refunds', 'critical')),
    // crm-agent deletes 3 times, all would-deny by two rules; one carries 1,206 ids
    wouldDeny({ at: T0 + 4 * DAY, tool: 'crm.delete_records', resource: 'crm/executives', arguments: { ids: Array.from({ length: 1206 }, (_, i) => i) } }, denyRule('crm-delete-blast-radius', 'critical', 'blast_radius'), denyRule('q3-freeze', 'high', 'freeze_window')),
    wouldDeny({ at: T0 + 4 * DAY + 1, tool: 'crm.delete_records', resource: 'crm/executives' }, denyRule('q3-freeze', 'high', 'freeze_window')),
    wouldDeny({ at: T0 + 4 * DAY + 2, tool: 'crm.delete_records', resource: 'crm/executives' }, denyRule('q3-freeze', 'high', 'freeze_window')),
    // crm-agent uses credential B once, from a new network: B is shared, and that is a new location for B
    decision({ at: T0 + 5 * DAY, credentialFingerprint: fpB, sourceIp: '203.0.113.9', sourceRegion: 'us-east-1' }),
    // refused before evaluation
    decision({ at: T0 + 5 * DAY + 1, agentId: 'ghost', outcome: 'deny', errorCode: 'UNKNOWN_AGENT', credentialFingerprint: '', resource: '', matchedRules: [{ ruleId: 'request.unknown_agent', reason: 'unknown agent', severity: 'high', kind: 'default', effect: '' }] }),
  ];
  const r = report(records);

  it('counts every call once, by outcome, and the distinct agents, tools, credentials and resources', () => {
    expect(r.totals).toEqual({ calls: 13, allowed: 8, wouldDeny: 4, denied: 1, refused: 1, agents: 3, tools: 5, credentials: 2, resources: 3, argumentsRetained: 1 });
    expect(r.wouldBlock).toMatchObject({ calls: 5, wouldDeny: 4, denied: 1 });
  });

  it('buckets calls per UTC day and hour, by agent, busiest first', () => {
    expect(r.window.days).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
    expect(r.window.hours).toBe(168);
    const [crm, billing, ghost] = r.activity.agents.items;
    expect(crm).toMatchObject({ key: 'crm-agent', calls: 9, allowed: 6, wouldDeny: 3, denied: 0, perDay: [3, 0, 0, 2, 3, 1, 0] });
    expect(crm!.perHour[0]).toBe(2);
    expect(crm!.perHour[5]).toBe(1);
    expect(crm!.perHour.reduce((a, b) => a + b, 0)).toBe(9);
    expect(billing).toMatchObject({ key: 'billing-agent', calls: 3, perDay: [0, 2, 0, 0, 0, 0, 1] });
    expect(ghost).toMatchObject({ key: 'ghost', calls: 1, denied: 1 });
    expect(r.activity.tools.items.map((t) => [t.key, t.calls])).toEqual([
      ['crm.read_contacts', 6],
      ['crm.delete_records', 3],
      ['billing.pay', 2],
      ['billing.refund', 1],
      ['crm.update_contact', 1],
    ]);
    expect(r.activity.resources.keys).toBe(3);
    expect(r.activity.credentials.items.map((c) => [c.key, c.calls])).toEqual([
      [fpA, 8],
      [fpB, 4],
    ]);
  });

  it('names the rules that blocked, counting a call once per rule, with the earliest receipts as examples', () => {
    expect(r.wouldBlock.byRule.map((b) => [b.ruleId, b.calls, b.wouldDeny, b.denied, b.severity])).toEqual([
      ['q3-freeze', 3, 3, 0, 'high'],
      ['crm-delete-blast-radius', 1, 1, 0, 'critical'],
      ['no-refunds', 1, 1, 0, 'critical'],
      ['request.unknown_agent', 1, 0, 1, 'high'],
    ]);
    const freeze = r.wouldBlock.byRule[0]!;
    expect(freeze.examples.map((e) => e.decidedAt)).toEqual([T0 + 4 * DAY, T0 + 4 * DAY + 1, T0 + 4 * DAY + 2].map((t) => new Date(t).toISOString()));
    expect(freeze.examples[0]!.receipt).toEqual({ decisionId: freeze.examples[0]!.decisionId, signature: 'c2ln' });
    expect(freeze.attribution).toBe('recorded');
    // An event without recorded effects: its `default`-kind entries are blamed, and so marked.
    expect(r.wouldBlock.byRule[3]!.attribution).toBe('inferred');
  });

  it('finds credentials used by more than one agent', () => {
    expect(r.credentials.sharedByAgents).toEqual([
      {
        fingerprint: fpB,
        calls: 4,
        agents: [
          { agentId: 'billing-agent', calls: 3, firstSeen: new Date(T0 + DAY + HOUR).toISOString() },
          { agentId: 'crm-agent', calls: 1, firstSeen: new Date(T0 + 5 * DAY).toISOString() },
        ],
      },
    ]);
  });

  it("finds regions and networks first seen after a credential's first day", () => {
    expect(r.credentials.newLocations.map((l) => [l.fingerprint, l.dimension, l.value, l.calls, l.agents])).toEqual([
      [fpB, 'network', '203.0.113.0/24', 1, ['crm-agent']],
      [fpB, 'region', 'us-east-1', 1, ['crm-agent']],
    ]);
    expect(r.credentials.newLocations[0]).toMatchObject({ baselineFrom: new Date(T0 + DAY + HOUR).toISOString(), baselineUntil: new Date(T0 + 2 * DAY + HOUR).toISOString(), baseline: ['10.20.1.0/24'] });
  });

  it('ranks actions by a score anyone can recompute', () => {
    const top = r.riskiestActions[0]!;
    // 1,206 ids deleted: critical 40 + would-deny 20 + destructive 20 + >1000 records 15.
    expect(top).toMatchObject({ agentId: 'crm-agent', tool: 'crm.delete_records', resource: 'crm/executives', score: 95, calls: 3, wouldDeny: 3 });
    expect(top.breakdown).toEqual({ severity: 40, blocked: 20, tool: 20, records: 15, credential: 0 });
    expect(top.ruleIds).toEqual(['crm-delete-blast-radius', 'q3-freeze']);
    const refund = r.riskiestActions.find((a) => a.tool === 'billing.refund')!;
    // critical 40 + would-deny 20 + destructive (refund) 20 + shared credential 5.
    expect(refund.score).toBe(85);
    const stray = r.riskiestActions.find((a) => a.agentId === 'crm-agent' && a.tool === 'crm.read_contacts')!;
    // a read: only the credential points (new location 10 + shared 5)
    expect(stray.breakdown).toEqual({ severity: 0, blocked: 0, tool: 0, records: 0, credential: 15 });
    expect(r.riskiestActions.map((a) => a.score)).toEqual([...r.riskiestActions.map((a) => a.score)].sort((a, b) => b - a));
  });

  it('is the same whatever the order of the records', () => {
    const shuffled = [...records].reverse();
    const again = report(shuffled);
    expect({ ...again, recommendedPolicy: null }).toEqual({ ...r, recommendedPolicy: null });
    expect(again.recommendedPolicy.source).toBe(r.recommendedPolicy.source);
  });

  it('reports an empty window as nothing at all', () => {
    const empty = report([]);
    expect(empty.totals.calls).toBe(0);
    expect(empty.wouldBlock.byRule).toEqual([]);
    expect(empty.activity.agents.items).toEqual([]);
    expect(empty.recommendedPolicy.valid).toBe(true);
  });
});

describe('dimensions with many keys', () => {
  it('lists the 50 busiest and sums the rest', () => {
    const records = Array.from({ length: 60 }, (_, i) => Array.from({ length: i + 1 }, (_, j) => decision({ at: T0 + j, resource: `crm/r${String(i).padStart(2, '0')}` }))).flat();
    const r = report(records);
    expect(r.activity.resources.keys).toBe(60);
    expect(r.activity.resources.items).toHaveLength(50);
    expect(r.activity.resources.items[0]).toMatchObject({ key: 'crm/r59', calls: 60 });
    // r00..r09 hold 1..10 calls: 55 together.
    expect(r.activity.resources.others).toMatchObject({ keys: 10, calls: 55 });
    expect(r.activity.resources.others.perDay[0]).toBe(55);
  });
});

describe('decision facts', () => {
  it('classifies tools by their verb', () => {
    expect(toolClass('crm.delete_records')).toBe('destructive');
    expect(toolClass('db.dropTable')).toBe('destructive');
    expect(toolClass('crm.deletes')).toBe('destructive');
    expect(toolClass('crm.update_contact')).toBe('write');
    expect(toolClass('crm.settings')).toBe('read');
    expect(toolClass('billing.payment_status')).toBe('read');
    expect(toolClass('read')).toBe('read');
  });

  it('reduces source addresses to their network', () => {
    expect(networkOf('10.20.1.7')).toBe('10.20.1.0/24');
    expect(networkOf('::ffff:192.0.2.44')).toBe('192.0.2.0/24');
    expect(networkOf('2001:db8:20:1::5')).toBe('2001:db8:20::/48');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(networkOf('')).toBe('');
    expect(networkOf('not an ip')).toBe('');
    expect(networkOf('300.1.1.1')).toBe('');
  });
});
