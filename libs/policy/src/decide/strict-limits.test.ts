import { describe, expect, it } from 'vitest';
import { WindowState, compilePolicy, decide as decideTimed, type CompiledPolicy, type DecisionRequest, type LeasedBudget, type WindowStateView } from '../index.js';

const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });
const NOW = Date.UTC(2025, 6, 22, 17, 0, 0);

function compile(body: string, mode: 'enforce' | 'shadow' = 'enforce'): CompiledPolicy {
  const r = compilePolicy(`apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "1" }\ndefaults: { effect: allow, mode: ${mode} }\n${body}`, {});
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  return r.policy;
}

const STRICT = `limits:
  - id: payouts
    match: { tools: ["pay.*"] }
    records: 'int(args.count)'
    window: { duration: 1m, maxCalls: 3, maxRecords: 10 }
    consistency: strict
`;
const KEY = 'L\u0000payouts\u0000t1\u0000a1';
const req = (count: number): DecisionRequest => ({ tenantId: 't1', agent: { id: 'a1' }, tool: 'pay.send', args: { count } });

/** A decider's view holding `held` for every strict key, and the window state for the rest. */
function leased(held: LeasedBudget | undefined, state = new WindowState()): WindowStateView & { asked: string[] } {
  const asked: string[] = [];
  return { asked, read: (k, w, n) => state.read(k, w, n), lease: (k) => (asked.push(k), held) };
}

describe('strict limits', () => {
  it('names the strict limits and their windows', () => {
    expect([...compile(STRICT).strictLimits.values()]).toEqual([{ id: 'payouts', windowMs: 60_000, maxCalls: 3, maxRecords: 10 }]);
    expect(compile(STRICT.replace('    consistency: strict\n', '')).strictLimits.size).toBe(0);
  });

  it('spends held budget: one call and its records, in an update marked strict', () => {
    const view = leased({ calls: 1, records: 4 });
    const d = decide(compile(STRICT), req(4), view, NOW);
    expect(d.effect).toBe('allow');
    expect(view.asked).toEqual([KEY]);
    expect(d.updates).toEqual([{ key: KEY, windowMs: 60_000, calls: 1, records: 4, strict: true }]);
    expect(d.leases).toBeUndefined();
  });

  it('denies without held budget and says what it needed, spending nothing', () => {
    const d = decide(compile(STRICT), req(2), leased(undefined), NOW);
    expect(d.effect).toBe('deny');
    expect(d.matched).toEqual([expect.objectContaining({ ruleId: 'payouts', kind: 'limit', effect: 'deny' })]);
    expect(d.matched[0]!.reason).toContain('strict: this decider holds no budget for a call');
    expect(d.leases).toEqual([{ limitId: 'payouts', key: KEY, windowMs: 60_000, calls: 1, records: 2, maxCalls: 3, maxRecords: 10 }]);
    expect(d.updates).toEqual([]);
  });

  it('denies when the held calls suffice but the records do not', () => {
    const d = decide(compile(STRICT), req(5), leased({ calls: 2, records: 4 }), NOW);
    expect(d.effect).toBe('deny');
    expect(d.matched[0]!.reason).toContain('no budget for 5 records');
    expect(d.leases?.[0]).toMatchObject({ calls: 1, records: 5 });
  });

  it('ignores the window of a strict key when budget is held: the lease is the authority', () => {
    const state = new WindowState();
    state.apply([{ key: KEY, windowMs: 60_000, calls: 3, records: 10 }], NOW);
    expect(decide(compile(STRICT), req(1), leased({ calls: 1, records: 1 }, state), NOW).effect).toBe('allow');
  });

  it('counts a strict limit as an eventual one on a view without leases (a replay, one process)', () => {
    const p = compile(STRICT);
    const state = new WindowState();
    const effects = [4, 4, 4].map((n) => {
      const d = decide(p, req(n), state, NOW);
      state.apply(d.updates, NOW);
      expect(d.leases).toBeUndefined();
      expect(d.updates.every((u) => u.strict === undefined)).toBe(true);
      return d.effect;
    });
    expect(effects).toEqual(['allow', 'allow', 'deny']);
  });

  it('asks for no lease for a call another check of the limit already denied', () => {
    const p = compile(STRICT.replace("    records: 'int(args.count)'\n", "    records: 'int(args.count)'\n    maxPerCall: 5\n"));
    const view = leased(undefined);
    const d = decide(p, req(6), view, NOW);
    expect(d.effect).toBe('deny');
    expect(d.leases).toBeUndefined();
    expect(view.asked).toEqual([]);
  });

  it('in shadow mode records the want of budget as a would-deny, with the need', () => {
    const d = decide(compile(STRICT, 'shadow'), req(1), leased(undefined), NOW);
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(d.leases).toHaveLength(1);
  });
});
