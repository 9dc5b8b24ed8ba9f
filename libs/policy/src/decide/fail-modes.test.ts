import { describe, expect, it } from 'vitest';
import { WindowState, compilePolicy, decide, replay, type CompiledPolicy, type DecideOptions, type Decision, type DecisionRequest } from '../index.js';
import { BudgetExceeded } from './budget.js';

// Evaluation failures fail element by element (docs/policy.md, "Errors at decision time"), by
// the tenant's fail mode and the call's risk tier; the evaluation budget is measured on the
// clock passed in, so these tests step it by hand.

const NOW = Date.UTC(2025, 6, 22, 17, 0, 0);
const STILL = { clock: () => 0 };
const OPEN: DecideOptions = { failMode: 'open', ...STILL };
const CLOSED: DecideOptions = { failMode: 'closed', ...STILL };

function compile(body: string, effect: 'allow' | 'deny' = 'allow'): CompiledPolicy {
  const r = compilePolicy(`apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "1" }\ndefaults: { effect: ${effect} }\n${body}`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  return r.policy;
}
const req = (over: Partial<DecisionRequest> = {}): DecisionRequest => ({ tenantId: 't1', agent: { id: 'a1' }, tool: 'crm.update', args: { amount: 'x' }, ...over });
const ids = (d: Decision): string[] => d.matched.map((m) => `${m.ruleId}:${m.effect}:${m.mode}`);

const POLICY = compile(`rules:
  - id: large-amounts
    when: 'args.amount > 1000'
    effect: deny
freezes:
  - id: books-closed
    match: { tools: ["ledger.*"] }
    ranges: [{ start: "2000-01-01T00:00:00Z", end: "2100-01-01T00:00:00Z" }]
limits:
  - id: one-transfer
    match: { tools: ["payments.transfer"] }
    window: { duration: 10m, maxCalls: 1 }
tiers:
  - tools: ["crm.delete_*"]
    tier: destructive
  - tools: ["crm.read*"]
    tier: read
  - tools: ["crm.read_export"]
    tier: write
`);

describe('an element whose evaluation fails, when the tenant fails open', () => {
  it('is a would-deny that denies nothing; the error is kept', () => {
    const d = decide(POLICY, req(), new WindowState(), NOW, OPEN);
    expect(d).toMatchObject({ effect: 'allow', shadow: true, tier: 'write', error: { code: 'cel.eval', ruleId: 'large-amounts' } });
    expect(ids(d)).toEqual(['large-amounts:deny:shadow', 'default:allow:enforce']);
    expect(d.matched[0]!.reason).toMatch(/^evaluation failed, let through \(fail open\): rule 'large-amounts'/);
  });

  it('never lifts another element\'s enforced denial: a freeze, a limit', () => {
    expect(decide(POLICY, req({ tool: 'ledger.post' }), new WindowState(), NOW, OPEN)).toMatchObject({ effect: 'deny', shadow: false });
    const s = new WindowState();
    const first = decide(POLICY, req({ tool: 'payments.transfer', args: { amount: 5 } }), s, NOW, OPEN);
    s.apply(first.updates, NOW);
    const second = decide(POLICY, req({ tool: 'payments.transfer' }), s, NOW, OPEN);
    expect(second).toMatchObject({ effect: 'deny', shadow: false, error: { code: 'cel.eval' } });
    expect(ids(second)).toEqual(['large-amounts:deny:shadow', 'one-transfer:deny:enforce']);
  });

  it('fails closed for a destructive call: the policy\'s tier wins over a caller that says read', () => {
    const d = decide(POLICY, req({ tool: 'crm.delete_records', risk: 'read' }), new WindowState(), NOW, OPEN);
    expect(d).toMatchObject({ effect: 'deny', shadow: false, tier: 'destructive', error: { code: 'cel.eval' } });
    expect(d.matched[0]!.reason).toMatch(/^evaluation failed, denied \(fail closed\)/);
  });

  it('fails closed when the caller raises the tier to destructive', () => {
    expect(decide(POLICY, req({ tool: 'crm.read_contacts', risk: 'destructive' }), new WindowState(), NOW, OPEN)).toMatchObject({ effect: 'deny', tier: 'destructive' });
  });

  it('an allow rule whose condition fails does not grant: the default decides', () => {
    const p = compile(`rules:\n  - id: small-refunds\n    when: 'args.amount < 100'\n    effect: allow\n`, 'deny');
    const d = decide(p, req(), new WindowState(), NOW, OPEN);
    expect(d).toMatchObject({ effect: 'deny', error: { code: 'cel.eval', ruleId: 'small-refunds' } });
    expect(ids(d)).toEqual(['small-refunds:deny:shadow', 'default:deny:enforce']);
  });
});

describe('when the tenant fails closed (the default)', () => {
  it('the failed element denies, whatever the tier', () => {
    for (const options of [CLOSED, STILL]) {
      const d = decide(POLICY, req({ tool: 'crm.read_contacts' }), new WindowState(), NOW, options);
      expect(d).toMatchObject({ effect: 'deny', shadow: false, tier: 'read' });
      expect(ids(d)).toEqual(['large-amounts:deny:enforce']);
    }
  });
});

describe('risk tiers', () => {
  const tierOf = (tool: string, risk?: DecisionRequest['risk']) => decide(POLICY, req({ tool, args: {}, ...(risk ? { risk } : {}) }), new WindowState(), NOW, STILL).tier;

  it('is the higher of the caller\'s and the tenant\'s (the policy\'s, else write): only the tenant makes a tool a read', () => {
    expect(tierOf('crm.update')).toBe('write');
    expect(tierOf('crm.update', 'read')).toBe('write');
    expect(tierOf('crm.update', 'destructive')).toBe('destructive');
    expect(tierOf('crm.read_contacts')).toBe('read');
    expect(tierOf('crm.read_contacts', 'write')).toBe('write');
    expect(tierOf('crm.delete_records', 'read')).toBe('destructive');
    // Two entries name the tool: the higher one.
    expect(tierOf('crm.read_export', 'read')).toBe('write');
  });

  it('is the CEL variable risk', () => {
    const p = compile(`rules:\n  - id: no-destructive\n    when: 'risk == "destructive"'\n    effect: deny\n`);
    expect(decide(p, req({ args: {}, risk: 'destructive' }), new WindowState(), NOW, STILL).effect).toBe('deny');
    expect(decide(p, req({ args: {} }), new WindowState(), NOW, STILL).effect).toBe('allow');
  });

  it('a tier that is not one is a malformed request', () => {
    const d = decide(POLICY, req({ risk: 'harmless' as DecisionRequest['risk'] }), new WindowState(), NOW, STILL);
    expect(d).toMatchObject({ effect: 'deny', error: { code: 'request.invalid' } });
    expect(d.error?.message).toContain('risk must be read, write or destructive, got "harmless"');
  });
});

describe('the evaluation budget', () => {
  // Nine conditions: the clock is read before the 1st and the 9th (every 8th expression).
  const rules = Array.from({ length: 9 }, (_, i) => `  - id: r${i + 1}\n    when: 'args.n > ${i + 1}'\n    effect: deny\n`).join('');
  const p = compile(`evaluation: { budget: 5ms }
rules:
${rules}limits:
  - id: one-call
    window: { duration: 10m, maxCalls: 1 }
`);
  /** Each reading 3 ms after the last: 0 when the decision starts, 3 before r1, 6 (past the 5 ms deadline) before r9. */
  const stepping = () => {
    let t = 0;
    return () => (t += 3) - 3;
  };

  it('elements not evaluated before the deadline fail with budget.exceeded, by the fail mode', () => {
    const closed = decide(p, req({ args: { n: 0 } }), new WindowState(), NOW, { clock: stepping() });
    expect(closed).toMatchObject({ effect: 'deny', error: { code: 'budget.exceeded', ruleId: 'r9' } });
    expect(ids(closed)).toEqual(['r9:deny:enforce']);
    expect(closed.matched[0]!.reason).toContain("rule 'r9': not evaluated, the evaluation budget (5ms) is spent");
    const open = decide(p, req({ args: { n: 0 } }), new WindowState(), NOW, { failMode: 'open', clock: stepping() });
    expect(open).toMatchObject({ effect: 'allow', shadow: true, error: { code: 'budget.exceeded' } });
  });

  it('a pause of the process is not the decision\'s doing: past the deadline, the budget is given again on the thread\'s CPU clock', () => {
    // The same stepping wall clock, and a CPU clock that moved 1 ms: the process was paused.
    const paused = decide(p, req({ args: { n: 0 } }), new WindowState(), NOW, { clock: stepping(), cpuClock: () => 1 });
    expect(paused).toMatchObject({ effect: 'allow' });
    expect(paused.error).toBeUndefined();
    // (budget.test.ts: a decision that computes is cut once the CPU clock passes its deadline too.)
  });

  it('checks that evaluate no expression still run after it: a limit still counts and denies', () => {
    const s = new WindowState();
    s.apply(decide(p, req({ args: { n: 0 } }), s, NOW, STILL).updates, NOW);
    const d = decide(p, req({ args: { n: 0 } }), s, NOW, { failMode: 'open', clock: stepping() });
    expect(d).toMatchObject({ effect: 'deny', shadow: false });
    expect(ids(d)).toEqual(['r9:deny:shadow', 'one-call:deny:enforce']);
  });

  it('an error that is, or wraps, a BudgetExceeded fails its element with budget.exceeded', () => {
    let reads = 0;
    const clock = () => {
      if (++reads === 2) throw new Error('matches() stopped', { cause: new BudgetExceeded() });
      return 0;
    };
    const d = decide(p, req({ args: { n: 0 } }), new WindowState(), NOW, { clock });
    expect(d).toMatchObject({ effect: 'deny', error: { code: 'budget.exceeded', ruleId: 'r1' } });
  });

  it('is 5 ms unless the policy sets one, between 1ms and 1s', () => {
    expect(compile('rules: []\n').evaluationBudgetMs).toBe(5);
    expect(p.evaluationBudgetMs).toBe(5);
    expect(compile('evaluation: { budget: 20ms }\n').evaluationBudgetMs).toBe(20);
    const r = compilePolicy('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "1" }\ndefaults: { effect: allow }\nevaluation: { budget: 2s }\n');
    expect(r.ok ? [] : r.errors.map((e) => [e.code, e.path, e.message])).toEqual([['schema.range', '/evaluation/budget', "evaluation budget '2s' must be between 1ms and 1s"]]);
  });
});

describe('decisionLogFull and tiers in the document', () => {
  it('default: writes closed, reads open', () => {
    expect(compile('rules: []\n').decisionLogFull).toEqual({ write: 'closed', read: 'open' });
    expect(compile('decisionLogFull: { write: open, read: closed }\n').decisionLogFull).toEqual({ write: 'open', read: 'closed' });
  });

  it('refuses an unknown tier with its position', () => {
    const r = compilePolicy('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "1" }\ndefaults: { effect: allow }\ntiers:\n  - tools: ["x.*"]\n    tier: harmless\n');
    expect(r.ok ? [] : r.errors.map((e) => [e.code, e.path, e.line])).toEqual([['schema.enum', '/tiers/0/tier', 7]]);
  });
});

describe('replay', () => {
  it('fails as the enforcer does, with the tenant\'s fail mode', () => {
    const calls = [{ id: 'c1', at: NOW, request: req(), recorded: { effect: 'allow' as const } }];
    expect(replay(POLICY, calls, { failMode: 'open' }).calls[0]).toMatchObject({ replayedDeny: true, decision: { effect: 'allow', shadow: true } });
    expect(replay(POLICY, calls, { failMode: 'closed' }).calls[0]).toMatchObject({ replayedDeny: true, decision: { effect: 'deny' } });
  });
});
