import { compilePolicy, decide, WindowState, type CompiledPolicy, type MatchedRule } from '@thoth/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { DecisionRecord, RecordedRule } from '../../decisions/domain/decision-record.js';
import { replayDecisions } from './policy-replay.js';
import { peakSeen, PolicyRecommender, type CurrentPolicy } from './recommended-policy.js';
import { decision, denyRule, HOUR, T0, TENANT, wouldDeny } from './test-fixtures.js';

const DAY = 24 * HOUR;
const WINDOW = { from: new Date(T0), to: new Date(T0 + 7 * DAY) };

function recommend(records: readonly DecisionRecord[], current?: CurrentPolicy) {
  const recommender = new PolicyRecommender();
  for (const r of records) recommender.add(r);
  return recommender.recommend(WINDOW, current);
}

function compiled(source: string): CompiledPolicy {
  const result = compilePolicy(source, { format: 'yaml', tenant: { mode: 'enforce' } });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

function replayUnder(source: string, records: readonly DecisionRecord[]) {
  return replayDecisions(records, { window: WINDOW, baseline: 'effect', policy: compiled(source), contentHash: 'x', format: 'yaml', boundTo: { agents: 0, credentials: 0 }, failMode: 'closed' });
}

describe('recommended policy', () => {
  it('allow-lists per agent the tools of its allowed calls, limits each above its busiest hour with headroom by confidence, and denies the rest', () => {
    const records = [
      // crm-agent reads 5 times within one hour, then 2 more later: peak 5 → at most 6 an hour
      ...[0, 1, 2, 3, 4].map((m) => decision({ at: T0 + m * 60_000 })),
      decision({ at: T0 + 3 * HOUR }),
      decision({ at: T0 + 5 * HOUR }),
      decision({ at: T0 + DAY, tool: 'crm.update_contact' }),
      decision({ at: T0 + DAY, agentId: 'billing-agent', tool: 'billing.pay' }),
      // would-deny: not allow-listed
      wouldDeny({ at: T0 + 2 * DAY, tool: 'db.drop_table' }, denyRule('no-drops', 'critical')),
    ];
    const r = recommend(records);
    expect(r.valid).toBe(true);
    expect(r.allowLists).toEqual([
      { agentId: 'billing-agent', ruleId: 'allow.billing-agent', tools: ['billing.pay'] },
      { agentId: 'crm-agent', ruleId: 'allow.crm-agent', tools: ['crm.read_contacts', 'crm.update_contact'] },
    ]);
    // Few observations (low confidence): ceil(peak × 3) + 2.
    expect(r.limits.map((l) => [l.agentId, l.tool, l.peak, l.maxCalls])).toEqual([
      ['billing-agent', 'billing.pay', 1, 5],
      ['crm-agent', 'crm.read_contacts', 5, 17],
      ['crm-agent', 'crm.update_contact', 1, 5],
    ]);
    expect(r.elements?.find((e) => e.id === 'allow.crm-agent')).toMatchObject({ kind: 'allow-list', confidence: { level: 'low', observations: 8 } });
    expect(r.elements?.find((e) => e.id === 'peak.crm-agent.crm.read_contacts')?.basis).toContain('busiest hour 5 call(s)');
    expect(r.basedOn).toEqual({ legitimateCalls: 9, excludedCalls: { wouldDeny: 1, denied: 0, errors: 0 }, currentPolicy: null });
    const doc = parse(r.source) as Record<string, unknown>;
    expect(doc['defaults']).toEqual({ effect: 'deny', mode: 'enforce' });
    expect(r.source).not.toContain('db.drop_table');

    const replayed = replayUnder(r.source, records);
    expect(replayed.changedDecisionIds).toEqual([records[9]!.decisionId]);
    expect(replayed.totals).toMatchObject({ replayed: 10, changed: 1, newlyDenied: 1, newlyAllowed: 0, denied: 1 });
  });

  it('holds the call one over the limit and a tool that changes something never seen, allows a read never seen, and denies an agent never seen', () => {
    const TIERS = `apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: t, version: "1"}\ndefaults: {effect: allow}\ntiers:\n  - tools: ["crm.read_*", "crm.lookup_*"]\n    tier: read\n`;
    const records = [0, 1, 2, 3, 4].map((m) => decision({ at: T0 + m * 60_000 }));
    const r = recommend(records, { version: 1, format: 'yaml', source: TIERS });
    // peak 5, low confidence: at most 17 an hour.
    const extra = [
      ...records,
      ...Array.from({ length: 12 }, (_, i) => decision({ at: T0 + (6 + i) * 60_000 })), // up to the 17th: allowed
      decision({ at: T0 + 20 * 60_000 }), // the 18th: held by the limit
      decision({ at: T0 + 21 * 60_000, agentId: 'stranger' }),
      decision({ at: T0 + 22 * 60_000, tool: 'crm.export_all' }),
      decision({ at: T0 + 23 * 60_000, tool: 'crm.lookup_history' }),
    ];
    const replayed = replayUnder(r.source, extra);
    expect(replayed.changedDecisionIds).toEqual([extra[17]!.decisionId, extra[18]!.decisionId, extra[19]!.decisionId]);
    expect(replayed.byRule.map((b) => [b.ruleId, b.newlyDenied])).toEqual([
      ['default', 1],
      ['peak.crm-agent.crm.read_contacts', 1],
      ['unseen-change.crm-agent', 1],
    ]);
    const lookup = replayed.changes.find((c) => c.decisionId === extra[20]!.decisionId);
    expect(lookup).toBeUndefined();
  });

  it('holds destinations, argument names and record counts the window never showed, on tools that change something', () => {
    const send = (at: number, to: string, extra: Record<string, unknown> = {}) => decision({ at, agentId: 'assistant', tool: 'email.send', arguments: { to, subject: 's', ...extra } });
    const records = [
      ...Array.from({ length: 12 }, (_, i) => send(T0 + i * HOUR, ['ann@acme.example', 'bob@acme.example', 'cy@partner.example'][i % 3]!)),
      ...Array.from({ length: 4 }, (_, i) => decision({ at: T0 + i * HOUR, agentId: 'crm', tool: 'crm.delete_contacts', arguments: { ids: Array.from({ length: i + 1 }, (_, k) => `c${k}`) } })),
    ];
    const r = recommend(records);
    expect(r.valid).toBe(true);
    const dest = r.elements?.find((e) => e.kind === 'destinations');
    expect(dest).toMatchObject({ id: 'dest.assistant.email.send.to', effect: 'approve', confidence: { level: 'low', observations: 12 } });
    expect(dest?.basis).toContain('3 value(s) seen in 12 call(s)');
    expect(r.source).toContain('# destinations, confidence low (12)');
    const later = T0 + 2 * DAY;
    const week2 = [
      send(later, 'bob@acme.example'), // seen: allowed
      send(later + HOUR, 'mallory@evil.example'), // new recipient: held
      send(later + 2 * HOUR, 'ann@acme.example', { bcc: 'x@evil.example' }), // an argument never seen: held
      decision({ at: later, agentId: 'crm', tool: 'crm.delete_contacts', arguments: { ids: ['c1', 'c2'] } }), // allowed
      decision({ at: later + HOUR, agentId: 'crm', tool: 'crm.delete_contacts', arguments: { ids: Array.from({ length: 1206 }, (_, k) => `c${k}`) } }), // held
    ];
    const replayed = replayUnder(r.source, [...records, ...week2]);
    expect([...replayed.changedDecisionIds].sort()).toEqual([week2[1]!.decisionId, week2[2]!.decisionId, week2[4]!.decisionId].sort());
    // A held call names the elements that asked for approval.
    expect(replayed.changes.find((c) => c.decisionId === week2[1]!.decisionId)?.ruleIds).toEqual(['dest.assistant.email.send.to']);
    expect(replayed.byRule.map((b) => b.ruleId)).toEqual(['args.assistant.email.send', 'dest.assistant.email.send.to', 'records.crm.crm.delete_contacts']);
  });

  it('counts every attempt toward the peak a legitimate call saw, as the engine will', () => {
    // 3 would-deny deletes then 2 allowed deletes in the same hour: the allowed ones saw 4 and 5 calls.
    const records = [
      ...[0, 1, 2].map((m) => wouldDeny({ at: T0 + m * 60_000, tool: 'crm.delete_records' }, denyRule('crm-delete-blast-radius'))),
      decision({ at: T0 + 10 * 60_000, tool: 'crm.delete_records' }),
      decision({ at: T0 + 11 * 60_000, tool: 'crm.delete_records' }),
    ];
    const [limit] = recommend(records).limits;
    expect(limit).toMatchObject({ peak: 5, legitimatePeak: 2, maxCalls: 17 });
  });

  it('keeps the guardrails of the policy in force, enforced, and drops its allow rules', () => {
    const current: CurrentPolicy = { version: 3, format: 'yaml', source: GUARDRAILS };
    const records = [decision({ at: T0, agentId: 'allow.a' }), decision({ at: T0 + 1, agentId: 'a' })];
    const r = recommend(records, current);
    expect(r.valid).toBe(true);
    const doc = parse(r.source) as { metadata: { name: string }; rules: Array<{ id: string; mode?: string }>; limits: Array<{ id: string }>; sequences: Array<{ id: string; mode?: string }> };
    expect(doc.metadata.name).toBe('guardrails');
    expect(doc.rules.map((x) => x.id)).toEqual(['no-drops', 'cite-ticket', 'allow.a', 'allow.a-2', 'unseen-read.a', 'unseen-change.a', 'allow.allow.a', 'unseen-read.allow.a', 'unseen-change.allow.a']);
    expect(doc.rules.every((x) => x.mode === undefined)).toBe(true);
    expect(doc.limits.map((x) => x.id)).toEqual([
      'delete-burst',
      'peak.a.crm.read_contacts',
      'burst.a.crm.read_contacts.destructive',
      'burst.a.crm.read_contacts.write',
      'peak.allow.a.crm.read_contacts',
      'burst.allow.a.crm.read_contacts.destructive',
      'burst.allow.a.crm.read_contacts.write',
    ]);
    expect(doc.sequences.map((x) => x.id)).toEqual(['fabrication']);
    expect(r.basedOn.currentPolicy).toEqual({ version: 3, carried: ['no-drops', 'cite-ticket', 'allow.a', 'delete-burst', 'fabrication'], dropped: ['reads-ok'] });
  });

  it('makes ids unique and valid whatever the agent and tool names', () => {
    const records = [
      decision({ at: T0, agentId: 'a b', tool: 'x y' }),
      decision({ at: T0, agentId: 'a-b', tool: 'x-y' }),
      decision({ at: T0, agentId: 'ü'.repeat(200), tool: 't*?' }),
    ];
    const r = recommend(records);
    expect(r.valid).toBe(true);
    const ids = [...r.allowLists.map((a) => a.ruleId), ...r.limits.map((l) => l.limitId)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(r.notes.join(' ')).toContain('contain * or ?');
    expect(replayUnder(r.source, records).totals.changed).toBe(0);
  });

  it('leaves an agent with too many tools to list without unseen-tool rules, so a tool it did not use is denied, not held', () => {
    const records = Array.from({ length: 60 }, (_, i) => decision({ at: T0 + i * 60_000, tool: `svc.tool_${String(i).padStart(2, '0')}` }));
    const r = recommend(records);
    expect(r.valid).toBe(true);
    expect(r.elements?.some((e) => e.kind === 'unseen-change' || e.kind === 'unseen-read')).toBe(false);
    expect(r.notes.join(' ')).toContain('crm-agent used too many tools to list in a condition');
    const replayed = replayUnder(r.source, [...records, decision({ at: T0 + DAY, tool: 'svc.other' })]);
    expect(replayed.byRule.map((b) => b.ruleId)).toEqual(['default']);
  });

  it('computes sliding-hour peaks over half-open windows', () => {
    expect(peakSeen([], [], HOUR)).toBe(0);
    expect(peakSeen([0, HOUR], [0, HOUR], HOUR)).toBe(1);
    expect(peakSeen([0, HOUR - 1], [0, HOUR - 1], HOUR)).toBe(2);
    expect(peakSeen([10], [1, 2, 3, 10, 11], HOUR)).toBe(4);
  });
});

describe('recommended policy over engine-decided shadow traffic (property)', () => {
  const AGENTS = ['crm-agent', 'sync-agent'];
  const TOOLS = ['crm.read_contacts', 'crm.update_contact', 'crm.delete_records', 'crm.insert_record', 'db.drop_table', 'billing.pay'];
  const call = fc.record({
    agent: fc.constantFrom(...AGENTS),
    tool: fc.constantFrom(...TOOLS),
    resource: fc.constantFrom('crm/contacts', 'crm/executives', 'billing/invoices'),
    ids: fc.integer({ min: 0, max: 150 }),
    ticket: fc.boolean(),
    // bursts (seconds apart) and lulls (up to 20 minutes)
    gapMs: fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 20 * 60_000 })),
  });

  it('compiles, never denies a call the policy in force allowed (holding only a third destructive call within a minute), and denies every call it would have denied', () => {
    const policyInForce = compilePolicy(GUARDRAILS, { tenant: { mode: 'shadow' } });
    if (!policyInForce.ok) throw new Error('fixture');
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 200 }), (calls) => {
        // The traffic as the enforcer would have recorded it, decided by the policy in force in shadow mode.
        const state = new WindowState();
        let at = T0;
        const records = calls.map((c, i) => {
          at += c.gapMs;
          const args = { ids: Array.from({ length: c.ids }, (_, k) => k), ...(c.ticket ? { ticket: 'T-1' } : {}) };
          const d = decide(policyInForce.policy, { tenantId: TENANT, agent: { id: c.agent }, tool: c.tool, args, resource: c.resource }, state, at);
          state.apply(d.updates, at);
          return decision({
            at,
            decisionId: `p-${String(i).padStart(4, '0')}`,
            agentId: c.agent,
            tool: c.tool,
            resource: c.resource,
            arguments: args,
            outcome: d.shadow ? 'would_deny' : 'allow',
            shadow: d.shadow,
            matchedRules: d.matched.map(recorded),
          });
        });
        const r = recommend(records, { version: 1, format: 'yaml', source: GUARDRAILS });
        expect(r.valid).toBe(true);
        const replayed = replayUnder(r.source, records);
        const unsafe = records.filter((x) => x.outcome === 'would_deny').map((x) => x.decisionId);
        // Baseline `effect`: every call went through. Every would-deny one changes; a legitimate one
        // only when a destructive tool passed two calls a minute (the cap that stops bulk damage by its third call).
        const changed = new Set(replayed.changedDecisionIds);
        for (const id of unsafe) expect(changed.has(id)).toBe(true);
        for (const change of replayed.changes.filter((c) => !unsafe.includes(c.decisionId))) {
          expect(change.ruleIds.length).toBeGreaterThan(0);
          for (const ruleId of change.ruleIds) expect(ruleId).toMatch(/^burst\.[^.]+\.(crm\.delete_records|billing\.pay|.+\.destructive)$/);
        }
      }),
      { numRuns: 150 },
    );
  });
});

function recorded(m: MatchedRule): RecordedRule {
  const kind = { rule: 'condition', limit: 'blast_radius', freeze: 'freeze_window', sequence: 'sequence', credential: 'credential', agent_status: 'kill_switch', default: 'default', drift: 'drift' }[m.kind];
  // The generated policies ask for no approval (effect approve), which the read model records with #17's control-plane side.
  return { ruleId: m.ruleId, reason: m.reason, severity: m.severity, kind, effect: m.effect as RecordedRule['effect'] };
}

const GUARDRAILS = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: guardrails, version: "3"}
defaults: {effect: allow}
rules:
  - id: no-drops
    match: {tools: ["db.drop_*"]}
    effect: deny
    severity: critical
  - id: reads-ok
    match: {tools: ["*.read*"]}
    effect: allow
  - id: cite-ticket
    match: {tools: ["crm.update_*"]}
    when: '!has(args.ticket)'
    effect: deny
    mode: shadow
  - id: allow.a
    match: {agents: {ids: [nobody]}}
    effect: deny
limits:
  - id: delete-burst
    match: {tools: ["crm.delete_*"]}
    records: 'has(args.ids) ? size(args.ids) : 1'
    maxPerCall: 100
    window: {duration: 10m, maxCalls: 5}
sequences:
  - id: fabrication
    after: {tools: ["crm.delete_*"]}
    then: {tools: ["crm.insert_*"]}
    within: 30m
    minCalls: 2
`;
