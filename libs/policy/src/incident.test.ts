import { describe, expect, it } from 'vitest';
import crmPolicy from '../examples/crm-guardrails.policy.yaml?raw';
import { WindowState, compilePolicy, decide as decideTimed, type CompiledPolicy, type Decision, type DecisionRequest, type TenantContext } from './index.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

// The motivating incident (docs/architecture.md, "What Thoth is for"): during a code freeze an agent with valid CRM
// credentials deleted 1,206 executives and 1,196 companies, then inserted ~4,000 fake
// records to hide it.

const FINGERPRINT = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
/** Friday 2025-07-18 10:00 in Los Angeles (PDT, UTC-7): inside the freeze range. */
const IN_FREEZE = Date.UTC(2025, 6, 18, 17, 0, 0);
/** Tuesday 2025-07-22 10:00 PDT: after the freeze. */
const AFTER_FREEZE = Date.UTC(2025, 6, 22, 17, 0, 0);

function compile(tenant?: TenantContext): CompiledPolicy {
  const r = compilePolicy(crmPolicy, tenant === undefined ? {} : { tenant });
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  return r.policy;
}

const ids = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => from + i);

function call(tool: string, table: string, args: Record<string, unknown>): DecisionRequest {
  return {
    tenantId: 'acme',
    agent: { id: 'crm-agent', environment: 'production', labels: { team: 'growth' } },
    tool,
    args: { table, ...args },
    resource: `crm/${table}`,
    credential: { fingerprint: FINGERPRINT },
    source: { ip: '10.20.3.4', region: 'us-west-2' },
  };
}

const denyingRules = (d: Decision): string[] => d.matched.filter((m) => m.effect === 'deny').map((m) => m.ruleId);

/** Runs calls one after another, applying each decision's updates like the enforcer does. */
function run(policy: CompiledPolicy, state: WindowState, calls: readonly { req: DecisionRequest; at: number }[]): Decision[] {
  return calls.map(({ req, at }) => {
    const d = decide(policy, req, state, at);
    state.apply(d.updates, at);
    return d;
  });
}

function incident(start: number): { req: DecisionRequest; at: number }[] {
  const calls: { req: DecisionRequest; at: number }[] = [];
  // 1,206 single deletes, 100 ms apart (two minutes: well inside the 10-minute window).
  for (let i = 0; i < 1206; i++) calls.push({ req: call('crm.delete_records', 'executives', { ids: [i + 1] }), at: start + i * 100 });
  // then ~4,000 inserts into the same table, one a second (about 67 minutes: inside 2h).
  const t = start + 1206 * 100;
  for (let i = 0; i < 4000; i++) calls.push({ req: call('crm.insert_records', 'executives', { rows: [{ name: `Exec ${i}` }] }), at: t + i * 1000 });
  return calls;
}

describe('the CRM incident, enforced', () => {
  const policy = compile();

  it('denies one call deleting 1,206 executives during the freeze, as a freeze and as an oversized call', () => {
    const d = decide(policy, call('crm.delete_records', 'executives', { ids: ids(1206) }), new WindowState(), IN_FREEZE);
    expect(d.effect).toBe('deny');
    expect(d.shadow).toBe(false);
    expect(denyingRules(d)).toEqual(['q3-code-freeze', 'crm-delete-blast-radius']);
    const limit = d.matched.find((m) => m.ruleId === 'crm-delete-blast-radius');
    expect(limit?.reason).toContain('one call touches 1206 records; at most 100 per call');
    expect(limit?.kind).toBe('limit');
    expect(d.matched.find((m) => m.ruleId === 'q3-code-freeze')?.reason).toContain('Changes are frozen');
    // The attempt counts toward the window although it was denied.
    expect(d.updates.some((u) => u.records === 1206)).toBe(true);
    expect(d.policyVersion).toBe('2025-07-14.1');
    expect(d.policyHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('denies the same oversized call outside the freeze by the limit alone, and 1,196 companies too', () => {
    const state = new WindowState();
    const execs = decide(policy, call('crm.delete_records', 'executives', { ids: ids(1206) }), state, AFTER_FREEZE);
    expect(denyingRules(execs)).toEqual(['crm-delete-blast-radius']);
    const companies = decide(policy, call('crm.delete_records', 'companies', { ids: ids(1196) }), state, AFTER_FREEZE + 1000);
    expect(denyingRules(companies)).toEqual(['crm-delete-blast-radius']);
  });

  it('denies a delete whose filter has no where as unbounded', () => {
    const d = decide(policy, call('crm.delete_records', 'executives', { filter: { table: 'executives' } }), new WindowState(), AFTER_FREEZE);
    expect(denyingRules(d)).toEqual(['crm-delete-blast-radius']);
    expect(d.matched[0]?.reason).toContain('an unbounded number of records');
  });

  it('during the freeze: every delete is denied by the freeze, from the 51st by the window limit too; the 4,000 inserts as fabrication', () => {
    const decisions = run(policy, new WindowState(), incident(IN_FREEZE));
    const deletes = decisions.slice(0, 1206);
    const inserts = decisions.slice(1206);
    expect(inserts).toHaveLength(4000);
    expect(decisions.every((d) => d.effect === 'deny' && !d.shadow)).toBe(true);

    expect(deletes.slice(0, 50).every((d) => denyingRules(d).join() === 'q3-code-freeze')).toBe(true);
    expect(deletes.slice(50).every((d) => denyingRules(d).join() === 'q3-code-freeze,crm-delete-blast-radius')).toBe(true);
    expect(deletes[50]?.matched.find((m) => m.ruleId === 'crm-delete-blast-radius')?.reason).toContain('call 51 within 10m (per agent); at most 50');

    expect(inserts.every((d) => denyingRules(d).join() === 'q3-code-freeze,crm-fabrication')).toBe(true);
    expect(inserts[0]?.matched.find((m) => m.ruleId === 'crm-fabrication')).toMatchObject({ kind: 'sequence', severity: 'critical', mode: 'enforce' });
    expect(inserts[0]?.matched.find((m) => m.ruleId === 'crm-fabrication')?.reason).toContain("'crm.insert_records' on 'crm/executives' within 2h after");
  });

  it('after the freeze: 1,206 single deletes are denied from the 51st; the 4,000 inserts are denied as fabrication', () => {
    const decisions = run(policy, new WindowState(), incident(AFTER_FREEZE));
    const deletes = decisions.slice(0, 1206);
    const inserts = decisions.slice(1206);
    expect(inserts).toHaveLength(4000);

    expect(deletes.slice(0, 50).every((d) => d.effect === 'allow' && !d.shadow)).toBe(true);
    expect(deletes.slice(50).every((d) => d.effect === 'deny' && denyingRules(d).join() === 'crm-delete-blast-radius')).toBe(true);
    expect(deletes[50]?.matched[0]?.reason).toContain('call 51 within 10m (per agent); at most 50');

    expect(inserts.every((d) => d.effect === 'deny' && denyingRules(d).join() === 'crm-fabrication')).toBe(true);
    expect(inserts[0]?.matched[0]).toMatchObject({ ruleId: 'crm-fabrication', kind: 'sequence', severity: 'critical', mode: 'enforce' });
    expect(inserts[0]?.matched[0]?.reason).toContain("'crm.insert_records' on 'crm/executives' within 2h after 1206 earlier matching calls");
  });

  it('lets inserts into another table through, and inserts after the 2h window', () => {
    const state = new WindowState();
    run(policy, state, [{ req: call('crm.delete_records', 'executives', { ids: [1] }), at: AFTER_FREEZE }]);
    expect(decide(policy, call('crm.insert_records', 'contacts', { rows: [] }), state, AFTER_FREEZE + 1000).effect).toBe('allow');
    expect(decide(policy, call('crm.insert_records', 'executives', { rows: [] }), state, AFTER_FREEZE + 2 * 3_600_000 + 1).effect).toBe('allow');
  });

  it('lets the on-call agent through the freeze, flagged with the exception name', () => {
    // Its own credential is not in the bindings (`unbound: flag`): allowed, flagged.
    const req = { ...call('crm.update_records', 'executives', { ids: [1], ticket: 'CHG-1' }), agent: { id: 'oncall-bot', labels: { role: 'oncall' } }, credential: { fingerprint: 'sha256:oncall' } };
    const d = decide(policy, req, new WindowState(), IN_FREEZE);
    expect(d.effect).toBe('allow');
    expect(d.matched.find((m) => m.kind === 'freeze')).toMatchObject({ ruleId: 'q3-code-freeze', effect: 'flag' });
    expect(d.matched.find((m) => m.kind === 'freeze')?.reason).toContain("excepted by 'on-call-hotfix'");
    expect(d.matched.find((m) => m.kind === 'credential')).toMatchObject({ ruleId: 'credential:oncall', effect: 'flag' });
  });
});

describe('the CRM incident, in shadow mode', () => {
  it('allows the same calls and marks exactly the ones enforce denies as would-deny, naming the same rules', () => {
    const enforce = run(compile(), new WindowState(), incident(AFTER_FREEZE));
    const shadowPolicy = compile({ mode: 'shadow' });
    expect(shadowPolicy.mode).toBe('shadow');
    const shadow = run(shadowPolicy, new WindowState(), incident(AFTER_FREEZE));
    expect(shadow.every((d) => d.effect === 'allow')).toBe(true);
    // In shadow the first 50 deletes go through as in enforce, so the counters agree; the
    // remaining deletes go through too, which only raises the counts.
    for (let i = 0; i < enforce.length; i++) {
      expect(shadow[i]!.shadow, `call ${i}`).toBe(enforce[i]!.effect === 'deny');
      expect(denyingRules(shadow[i]!)).toEqual(denyingRules(enforce[i]!));
    }
    expect(shadow.filter((d) => d.shadow)).toHaveLength(1156 + 4000);
    expect(shadow[1206]?.matched[0]?.mode).toBe('shadow');
  });

  it('allows the oversized delete during the freeze and records both would-deny rules', () => {
    const d = decide(compile({ mode: 'shadow' }), call('crm.delete_records', 'executives', { ids: ids(1206) }), new WindowState(), IN_FREEZE);
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(denyingRules(d)).toEqual(['q3-code-freeze', 'crm-delete-blast-radius']);
    // The call went through, so it counts: toward the delete window and as a delete the fabrication sequence remembers.
    expect(d.updates.map((u) => [u.windowMs, u.calls, u.records])).toEqual([
      [600_000, 1, 1206],
      [7_200_000, 1, 0],
    ]);
  });
});
