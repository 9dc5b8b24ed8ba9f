import { describe, expect, it } from 'vitest';
import { WindowState, bindTenant, compilePolicy, decide as decideTimed, type CompiledPolicy, type DecisionRequest, type TenantContext } from '../index.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const REVOKED_AT = Date.UTC(2026, 10, 20, 10, 0, 0);
const FP = '3f2a9c1d0b7e'.padEnd(64, 'a');
const ROTATED = 'b'.repeat(64);
const EXPIRING = 'c'.repeat(64);
const ACTIVE = 'd'.repeat(64);

function compile(body: string, tenant?: TenantContext, mode: 'enforce' | 'shadow' = 'enforce'): CompiledPolicy {
  const doc = `apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "7" }\ndefaults: { effect: allow, mode: ${mode} }\n${body}`;
  const r = compilePolicy(doc, tenant === undefined ? {} : { tenant });
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  return r.policy;
}

const req = (fingerprint: string, over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  tenantId: 't1',
  agent: { id: 'crm-agent' },
  tool: 'crm.read',
  args: {},
  resource: 'crm/contacts',
  credential: { fingerprint },
  ...over,
});

const tenant: TenantContext = {
  mode: 'enforce',
  credentials: [{ fingerprint: FP, agents: ['crm-agent'] }, { fingerprint: ACTIVE, agents: ['crm-agent'] }, { fingerprint: EXPIRING, agents: ['crm-agent'] }],
  revokedCredentials: [
    { fingerprint: FP, reason: 'revoked', at: REVOKED_AT },
    { fingerprint: ROTATED, reason: 'rotated_out', at: Date.UTC(2026, 10, 21, 8, 30, 0) },
    { fingerprint: EXPIRING, reason: 'expired', at: NOW + 60_000 },
  ],
};

describe('revoked credentials', () => {
  const policy = compile('', tenant);

  it('denies a revoked credential with the revocation time, critical, as credential:<fingerprint>', () => {
    const d = decide(policy, req(FP), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'deny', shadow: false });
    expect(d.matched).toEqual([
      {
        ruleId: `credential:${FP}`,
        kind: 'credential',
        effect: 'deny',
        severity: 'critical',
        mode: 'enforce',
        reason: 'credential 3f2a9c1d0b7e… was revoked at 2026-11-20T10:00:00.000Z; every call with it is denied',
      },
    ]);
  });

  it('denies a rotated-out fingerprint, naming the rotation and the way out', () => {
    const d = decide(policy, req(ROTATED), new WindowState(), NOW);
    expect(d.effect).toBe('deny');
    expect(d.matched[0]).toEqual({
      ruleId: `credential:${ROTATED}`,
      kind: 'credential',
      effect: 'deny',
      severity: 'high',
      mode: 'enforce',
      reason: 'credential bbbbbbbbbbbb… was rotated out at 2026-11-21T08:30:00.000Z; use the new one',
    });
  });

  it('folds the fingerprint forms a request may carry', () => {
    for (const given of [`sha256:${FP}`, FP.toUpperCase(), `SHA256:${FP.toUpperCase()}`]) {
      expect(decide(policy, req(given), new WindowState(), NOW).matched[0]?.ruleId, given).toBe(`credential:${FP}`);
    }
  });

  it('lets an active credential through, and one it knows nothing about', () => {
    for (const fp of [ACTIVE, 'e'.repeat(64)]) {
      const d = decide(policy, req(fp), new WindowState(), NOW);
      expect(d.effect, fp).toBe('allow');
      expect(d.matched.filter((m) => m.kind === 'credential'), fp).toEqual([]);
    }
  });

  it('starts refusing an expiring credential at its expiry, on the same compiled policy', () => {
    const expiry = NOW + 60_000;
    const before = decide(policy, req(EXPIRING), new WindowState(), expiry - 1);
    expect(before.effect).toBe('allow');
    expect(before.matched.filter((m) => m.kind === 'credential')).toEqual([]);
    for (const at of [expiry, expiry + 86_400_000]) {
      const d = decide(policy, req(EXPIRING), new WindowState(), at);
      expect(d.effect).toBe('deny');
      expect(d.matched[0]).toMatchObject({ ruleId: `credential:${EXPIRING}`, severity: 'high', reason: 'credential cccccccccccc… expired at 2026-11-25T12:01:00.000Z; every call with it is denied' });
    }
    // Before its expiry the binding governs as usual.
    expect(decide(policy, req(EXPIRING, { agent: { id: 'intruder' } }), new WindowState(), expiry - 1).matched[0]?.reason).toContain("agent 'intruder' may not use it");
  });

  it('is denied whatever the bindings and the credentials section say: never flagged, never observed only', () => {
    const lenient = compile(
      `credentials:
  onViolation: flag
  unbound: allow
  mode: shadow
  bindings:
    - fingerprint: "sha256:${FP}"
      onViolation: flag
`,
      { revokedCredentials: tenant.revokedCredentials ?? [] },
    );
    for (const fp of [FP, ROTATED]) {
      const d = decide(lenient, req(fp, { agent: { id: 'someone-else' } }), new WindowState(), NOW);
      expect(d.effect, fp).toBe('deny');
      expect(d.matched.filter((m) => m.kind === 'credential'), fp).toEqual([expect.objectContaining({ effect: 'deny', mode: 'enforce' })]);
    }
  });

  it('keeps evaluating the rest of the policy: every reason is listed', () => {
    const p = compile(`rules:\n  - id: no-exports\n    match: { tools: ["crm.export"] }\n    effect: deny\n`, tenant);
    expect(decide(p, req(FP, { tool: 'crm.export' }), new WindowState(), NOW).matched.map((m) => m.ruleId)).toEqual([`credential:${FP}`, 'no-exports']);
  });

  it('is a would-deny in shadow mode, from the tenant or from the document', () => {
    for (const p of [compile('', { ...tenant, mode: 'shadow' }), compile('', tenant, 'shadow')]) {
      const d = decide(p, req(FP), new WindowState(), NOW);
      expect(d).toMatchObject({ effect: 'allow', shadow: true });
      expect(d.matched).toEqual([expect.objectContaining({ ruleId: `credential:${FP}`, effect: 'deny', mode: 'shadow' })]);
    }
  });

  it('is re-bound with the tenant: a revocation pushed later denies, one lifted allows', () => {
    const plain = compile('');
    expect(decide(plain, req(FP), new WindowState(), NOW).effect).toBe('allow');
    const rebound = bindTenant(plain, { revokedCredentials: [{ fingerprint: FP, reason: 'revoked', at: REVOKED_AT }] });
    if (!rebound.ok) throw new Error('bind failed');
    expect(decide(rebound.policy, req(FP), new WindowState(), NOW).effect).toBe('deny');
    const lifted = bindTenant(rebound.policy, {});
    if (!lifted.ok) throw new Error('bind failed');
    expect(decide(lifted.policy, req(FP), new WindowState(), NOW).effect).toBe('allow');
  });

  it('takes the earliest time for a fingerprint named twice', () => {
    const p = compile('', {
      revokedCredentials: [
        { fingerprint: FP, reason: 'expired', at: NOW + 1_000 },
        { fingerprint: `sha256:${FP}`, reason: 'revoked', at: REVOKED_AT },
      ],
    });
    expect(decide(p, req(FP), new WindowState(), NOW).matched[0]?.reason).toContain('was revoked at 2026-11-20T10:00:00.000Z');
  });

  it('refuses a malformed entry with credential.invalid at its tenant path', () => {
    const r = compilePolicy('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "1" }\ndefaults: { effect: allow }\n', {
      tenant: {
        revokedCredentials: [
          { fingerprint: '', reason: 'revoked', at: 0 },
          { fingerprint: FP, reason: 'lost' as 'revoked', at: 0 },
          { fingerprint: FP, reason: 'revoked', at: Number.NaN },
        ],
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      ['credential.invalid', '/tenant/revokedCredentials/0/fingerprint'],
      ['credential.invalid', '/tenant/revokedCredentials/1/reason'],
      ['credential.invalid', '/tenant/revokedCredentials/2/at'],
    ]);
  });
});
