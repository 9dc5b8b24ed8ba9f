// Approvals at the engine (docs/approvals.md, docs/policy.md "Approvals"): every element that can
// deny can ask for approval instead; an enforced deny wins over an enforced approve, which wins
// over every allow; shadow mode holds nothing; a request expires at the earliest expiry asked.
import { describe, expect, it } from 'vitest';
import { WindowState, compilePolicy, decide as decideTimed, replay, type CompiledPolicy, type Decision, type DecisionRequest, type TenantContext } from '../index.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

const NOW = Date.UTC(2025, 6, 22, 17, 0, 0);
const HOUR = 3_600_000;
const FP = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

function source(body: string, defaults = 'effect: allow'): string {
  return `apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "1" }\ndefaults: { ${defaults} }\n${body}`;
}

function compile(body: string, defaults?: string, tenant?: TenantContext): CompiledPolicy {
  const r = compilePolicy(source(body, defaults), tenant === undefined ? {} : { tenant });
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  return r.policy;
}

function req(over: Partial<DecisionRequest> = {}): DecisionRequest {
  return { tenantId: 't1', agent: { id: 'a1' }, tool: 'payments.refund', args: { amount: 900 }, ...over };
}

const ids = (d: Decision): string[] => d.matched.map((m) => `${m.ruleId}:${m.effect}`);
const once = (p: CompiledPolicy, r: DecisionRequest = req(), now = NOW): Decision => decide(p, r, new WindowState(), now);

describe('each element kind can ask for approval', () => {
  it('a rule with effect approve holds the call, for the default hour', () => {
    const d = once(compile(`rules:\n  - id: big-refunds\n    match: { tools: ["payments.refund"] }\n    when: args.amount > 500\n    effect: approve\n`));
    expect(d).toMatchObject({ effect: 'approve', shadow: false, approval: { ruleIds: ['big-refunds'], expiresInMs: HOUR } });
    expect(d.matched[0]).toMatchObject({ ruleId: 'big-refunds', kind: 'rule', effect: 'approve', mode: 'enforce' });
    expect(d.matched[0]!.reason).toContain('a person must approve the call');
  });

  it('a limit with effect approve asks only when it would deny, and the held call counts', () => {
    const p = compile(`limits:\n  - id: refunds\n    window: { duration: 1h, maxCalls: 1 }\n    effect: approve\n    approval: { expiresIn: 30m }\n`);
    const state = new WindowState();
    const first = decide(p, req(), state, NOW);
    expect(first.effect).toBe('allow');
    state.apply(first.updates, NOW);
    const second = decide(p, req(), state, NOW + 1);
    expect(second).toMatchObject({ effect: 'approve', approval: { ruleIds: ['refunds'], expiresInMs: 30 * 60_000 } });
    // Attempts count: a held call moves the window like a denied one.
    expect(second.updates).toHaveLength(1);
    state.apply(second.updates, NOW + 1);
    expect(state.read(second.updates[0]!.key, HOUR, NOW + 2).calls).toBe(2);
  });

  it('a freeze with effect approve holds what it would freeze; an exception with effect approve holds instead of letting through', () => {
    const frozen = `freezes:\n  - id: quarter-close\n    ranges: [{ start: "2025-07-22T00:00:00Z", end: "2025-07-23T00:00:00Z" }]\n`;
    const held = once(compile(`${frozen}    effect: approve\n    approval: { expiresIn: 2h }\n`));
    expect(held).toMatchObject({ effect: 'approve', approval: { ruleIds: ['quarter-close'], expiresInMs: 2 * HOUR } });
    const exceptions = `    approval: { expiresIn: 2h }\n    exceptions:\n      - { name: on-call, agents: { ids: [oncall] }, effect: approve }\n      - { name: sre, agents: { ids: [sre] } }\n`;
    const p = compile(`${frozen}${exceptions}`);
    // The exception takes the freeze's expiry.
    expect(once(p, req({ agent: { id: 'oncall' } }))).toMatchObject({ effect: 'approve', approval: { ruleIds: ['quarter-close'], expiresInMs: 2 * HOUR } });
    expect(ids(once(p, req({ agent: { id: 'oncall' } })))).toEqual(['quarter-close:approve']);
    expect(once(p, req({ agent: { id: 'sre' } })).effect).toBe('allow');
    expect(once(p, req({ agent: { id: 'someone' } })).effect).toBe('deny');
  });

  it('a sequence with effect approve holds the second step', () => {
    const p = compile(`sequences:\n  - id: delete-then-insert\n    after: { tools: ["crm.delete"] }\n    then: { tools: ["crm.insert"] }\n    within: 10m\n    effect: approve\n`);
    const state = new WindowState();
    const del = decide(p, req({ tool: 'crm.delete' }), state, NOW);
    state.apply(del.updates, NOW);
    expect(decide(p, req({ tool: 'crm.insert' }), state, NOW + 1)).toMatchObject({ effect: 'approve', approval: { ruleIds: ['delete-then-insert'] } });
  });

  it('credentials: onViolation approve, per binding and for the document, with their expiries', () => {
    const p = compile(
      `credentials:\n  onViolation: approve\n  approval: { expiresIn: 10m }\n  requireCredential: true\n  bindings:\n    - { fingerprint: "${FP}", agents: [a1], onViolation: approve, approval: { expiresIn: 5m } }\n`,
    );
    expect(once(p, req({ agent: { id: 'a2' }, credential: { fingerprint: FP } }))).toMatchObject({ effect: 'approve', approval: { ruleIds: [`credential:${FP}`], expiresInMs: 5 * 60_000 } });
    expect(once(p, req())).toMatchObject({ effect: 'approve', approval: { ruleIds: ['credential:none'], expiresInMs: 10 * 60_000 } });
    expect(once(p, req({ credential: { fingerprint: FP } })).effect).toBe('allow');
    // A tenant's binding (no approval of its own) takes the credentials section's expiry.
    const tenant = compile(`credentials:\n  approval: { expiresIn: 10m }\n`, undefined, { credentials: [{ fingerprint: 'fp9', agents: ['a1'], onViolation: 'approve' }] });
    expect(once(tenant, req({ agent: { id: 'a2' }, credential: { fingerprint: 'fp9' } }))).toMatchObject({ effect: 'approve', approval: { expiresInMs: 10 * 60_000 } });
  });

  it('a revoked credential is denied, never held, whatever onViolation says', () => {
    const p = compile(`credentials:\n  onViolation: approve\n`, undefined, { revokedCredentials: [{ fingerprint: FP, reason: 'revoked', at: NOW - 1 }] });
    expect(once(p, req({ credential: { fingerprint: FP } })).effect).toBe('deny');
  });

  it('drift with action approve holds a call off its baseline', () => {
    const p = compile(`drift:\n  action: alert\n  minObservations: 1\n  checks:\n    tools: { action: approve, approval: { expiresIn: 15m } }\n`, undefined, {
      baselines: [{ subject: 'agent', id: 'a1', observations: 100, tools: ['crm.read'] }],
    });
    const d = once(p, req());
    expect(d).toMatchObject({ effect: 'approve', approval: { ruleIds: ['drift:agent:tools'], expiresInMs: 15 * 60_000 } });
    expect(once(p, req({ tool: 'crm.read' })).effect).toBe('allow');
  });
});

describe('precedence: enforced deny > enforced approve > allow and the default', () => {
  const rules = `rules:\n  - id: ok\n    effect: allow\n  - id: ask\n    effect: approve\n    when: args.amount > 500\n  - id: never\n    effect: deny\n    when: args.amount > 10000\n`;

  it('approve wins over an allow rule and over a default allow', () => {
    expect(once(compile(rules)).effect).toBe('approve');
    expect(ids(once(compile(rules)))).toEqual(['ok:allow', 'ask:approve']);
  });

  it('approve wins over a default deny (no default entry is added)', () => {
    const d = once(compile(`rules:\n  - id: ask\n    effect: approve\n`, 'effect: deny'));
    expect(d.effect).toBe('approve');
    expect(ids(d)).toEqual(['ask:approve']);
  });

  it('an enforced deny wins over approve, and the decision carries no approval', () => {
    const d = once(compile(rules), req({ args: { amount: 20_000 } }));
    expect(d.effect).toBe('deny');
    expect(d.approval).toBeUndefined();
    expect(ids(d)).toEqual(['ok:allow', 'ask:approve', 'never:deny']);
  });

  it('a request expires at the earliest expiry of the elements that asked; each is named once', () => {
    const p = compile(
      `rules:\n  - id: a\n    effect: approve\n    approval: { expiresIn: 3h }\n  - id: b\n    effect: approve\n  - id: c\n    effect: approve\n    approval: { expiresIn: 45m }\nlimits:\n  - id: l\n    maxPerCall: 0\n    effect: approve\n    approval: { expiresIn: 7d }\n`,
      'effect: allow, approvalExpiresIn: 2h',
    );
    expect(once(p).approval).toEqual({ ruleIds: ['a', 'b', 'c', 'l'], expiresInMs: 45 * 60_000 });
  });

  it('an approve element whose evaluation fails denies (fail closed) rather than asking a person', () => {
    const d = once(compile(`rules:\n  - id: ask\n    effect: approve\n    when: args.missing > 1\n`));
    expect(d.effect).toBe('deny');
    expect(d.error?.code).toBe('cel.eval');
  });
});

describe('shadow mode holds nothing', () => {
  const body = `rules:\n  - id: ask\n    effect: approve\n`;

  it('an element in shadow mode: allowed, shadow, its entry saying approve', () => {
    const d = once(compile(`${body}    mode: shadow\n`));
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(d.approval).toBeUndefined();
    expect(d.matched[0]).toMatchObject({ ruleId: 'ask', effect: 'approve', mode: 'shadow' });
  });

  it('the policy in shadow mode', () => {
    const d = once(compile(body, 'effect: allow, mode: shadow'));
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(d.approval).toBeUndefined();
    expect(d.matched[0]).toMatchObject({ effect: 'approve', mode: 'shadow' });
  });

  it('the tenant in shadow mode', () => {
    const d = once(compile(body, undefined, { mode: 'shadow' }));
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(d.matched[0]).toMatchObject({ effect: 'approve', mode: 'shadow' });
  });
});

describe('compiling approvals', () => {
  const errors = (body: string, defaults?: string) => {
    const r = compilePolicy(source(body, defaults));
    return r.ok ? [] : r.errors.map((e) => ({ code: e.code, path: e.path }));
  };

  it('an expiry above 7d is refused with its path, wherever it is', () => {
    expect(errors('', 'effect: allow, approvalExpiresIn: 8d')).toEqual([{ code: 'schema.range', path: '/defaults/approvalExpiresIn' }]);
    expect(errors(`rules:\n  - id: r\n    effect: approve\n    approval: { expiresIn: 169h }\n`)).toEqual([{ code: 'schema.range', path: '/rules/0/approval/expiresIn' }]);
    expect(errors(`freezes:\n  - id: f\n    weekly: [{ days: [mon], start: "00:00", end: "01:00" }]\n    exceptions: [{ name: x, effect: approve, approval: { expiresIn: 31d } }]\n`)).toEqual([
      { code: 'schema.range', path: '/freezes/0/exceptions/0/approval/expiresIn' },
    ]);
    expect(errors(`credentials:\n  bindings: [{ fingerprint: fp, approval: { expiresIn: 8d } }]\n`)).toEqual([{ code: 'schema.range', path: '/credentials/bindings/0/approval/expiresIn' }]);
    expect(errors(`drift:\n  checks: { rate: { approval: { expiresIn: 10d } } }\n`)).toEqual([{ code: 'schema.range', path: '/drift/checks/rate/approval/expiresIn' }]);
    expect(errors(`rules:\n  - id: r\n    effect: approve\n    approval: { expiresIn: 7d }\n`)).toEqual([]);
  });

  it('approve only where the table says, and approval needs expiresIn', () => {
    expect(errors('', 'effect: approve')).toEqual([{ code: 'schema.enum', path: '/defaults/effect' }]);
    expect(errors(`limits:\n  - id: l\n    maxPerCall: 1\n    effect: allow\n`)).toEqual([{ code: 'schema.enum', path: '/limits/0/effect' }]);
    expect(errors(`freezes:\n  - id: f\n    weekly: [{ days: [mon], start: "00:00", end: "01:00" }]\n    exceptions: [{ name: x, effect: deny }]\n`)).toEqual([
      { code: 'schema.enum', path: '/freezes/0/exceptions/0/effect' },
    ]);
    expect(errors(`rules:\n  - id: r\n    effect: approve\n    approval: {}\n`)).toEqual([{ code: 'schema.missing_field', path: '/rules/0/approval' }]);
    expect(errors(`rules:\n  - id: r\n    effect: approve\n    approval: { expiresIn: 1h, by: ops }\n`)).toEqual([{ code: 'schema.unknown_field', path: '/rules/0/approval/by' }]);
  });
});

describe('replay', () => {
  it('a call the candidate would hold counts as blocked, attributed to the element that asked', () => {
    const p = compile(`rules:\n  - id: ask\n    effect: approve\n    when: args.amount > 500\n`);
    const report = replay(p, [
      { id: 'big', at: NOW, request: req(), recorded: { effect: 'allow' } },
      { id: 'small', at: NOW + 1, request: req({ args: { amount: 5 } }), recorded: { effect: 'allow' } },
      { id: 'held-then', at: NOW + 2, request: req({ args: { amount: 5 } }), recorded: { effect: 'approve', ruleIds: ['old'] } },
    ]);
    expect(report.calls.map((c) => [c.id, c.recordedDeny, c.replayedDeny])).toEqual([
      ['big', false, true],
      ['small', false, false],
      ['held-then', true, false],
    ]);
    expect(report.byRule).toEqual([
      { ruleId: 'ask', newlyDenied: 1, newlyAllowed: 0, examples: ['big'] },
      { ruleId: 'old', newlyDenied: 0, newlyAllowed: 1, examples: ['held-then'] },
    ]);
  });
});
