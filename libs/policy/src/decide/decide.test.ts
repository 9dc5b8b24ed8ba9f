import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowState, bindTenant, compilePolicy, decide as decideTimed, type CompiledPolicy, type Decision, type DecisionRequest, type TenantContext } from '../index.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

const NOW = Date.UTC(2025, 6, 22, 17, 0, 0);

function compile(body: string, tenant?: TenantContext, effect: 'allow' | 'deny' = 'allow', mode: 'enforce' | 'shadow' = 'enforce'): CompiledPolicy {
  const doc = `apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: t, version: "7" }\ndefaults: { effect: ${effect}, mode: ${mode} }\n${body}`;
  const r = compilePolicy(doc, tenant === undefined ? {} : { tenant });
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  return r.policy;
}

function req(over: Partial<DecisionRequest> = {}): DecisionRequest {
  return { tenantId: 't1', agent: { id: 'a1' }, tool: 'crm.read', args: {}, ...over };
}

const ids = (d: Decision): string[] => d.matched.map((m) => `${m.ruleId}:${m.effect}`);

describe('rules', () => {
  const policy = compile(`rules:
  - id: allow-reads
    match: { tools: ["crm.read*"] }
    effect: allow
  - id: deny-exports
    match: { tools: ["crm.read_export"], agents: { labels: { trust: low } } }
    effect: deny
    severity: high
    reason: Low-trust agents may not export.
  - id: big-reads
    match: { tools: ["crm.*"], resources: ["crm/executives"] }
    when: 'has(args.limit) && args.limit > 500'
    effect: deny
`, undefined, 'deny');

  it('deny overrides allow, with the human reason', () => {
    const d = decide(policy, req({ tool: 'crm.read_export', agent: { id: 'a1', labels: { trust: 'low' } } }), new WindowState(), NOW);
    expect(d.effect).toBe('deny');
    expect(ids(d)).toEqual(['allow-reads:allow', 'deny-exports:deny']);
    expect(d.matched[1]).toEqual({ ruleId: 'deny-exports', kind: 'rule', effect: 'deny', severity: 'high', mode: 'enforce', reason: 'Low-trust agents may not export.' });
  });

  it('falls back to the default when no rule decides', () => {
    const d = decide(policy, req({ tool: 'crm.write' }), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'deny', shadow: false, policyVersion: '7' });
    expect(ids(d)).toEqual(['default:deny']);
  });

  it('evaluates CEL over args and resource', () => {
    const s = new WindowState();
    expect(decide(policy, req({ resource: 'crm/executives', args: { limit: 1000 } }), s, NOW).effect).toBe('deny');
    expect(decide(policy, req({ resource: 'crm/executives', args: { limit: 10 } }), s, NOW).effect).toBe('allow');
    expect(decide(policy, req({ resource: 'crm/companies', args: { limit: 1000 } }), s, NOW).effect).toBe('allow');
  });

  it('matches agents by environment, and the directory is the authority on labels', () => {
    const p = compile(`rules:\n  - id: no-prod\n    match: { agents: { environments: [production] } }\n    effect: deny\n  - id: no-low\n    match: { agents: { labels: { trust: low } } }\n    effect: deny\n`, {
      agents: [{ id: 'a2', status: 'active', labels: { trust: 'low' } }],
    });
    expect(decide(p, req({ agent: { id: 'a1', environment: 'production' } }), new WindowState(), NOW).effect).toBe('deny');
    expect(decide(p, req({ agent: { id: 'a1', environment: 'staging' } }), new WindowState(), NOW).effect).toBe('allow');
    expect(ids(decide(p, req({ agent: { id: 'a2', labels: { trust: 'high' } } }), new WindowState(), NOW))).toEqual(['no-low:deny']);
  });

  it('exposes time, credential and source to CEL', () => {
    const p = compile(`rules:\n  - id: office-hours\n    when: 'time.getHours("America/Los_Angeles") < 9 || source.region != "us-west-2" || credential.fingerprint == ""'\n    effect: deny\n`);
    const ok = req({ source: { region: 'us-west-2' }, credential: { fingerprint: 'f' } });
    expect(decide(p, ok, new WindowState(), NOW).effect).toBe('allow'); // 10:00 PDT
    expect(decide(p, ok, new WindowState(), NOW - 2 * 3_600_000).effect).toBe('deny'); // 08:00 PDT
    expect(decide(p, req({ source: { region: 'us-west-2' } }), new WindowState(), NOW).effect).toBe('deny');
  });
});

describe('modes', () => {
  const body = `rules:\n  - id: no-deletes\n    match: { tools: ["*.delete*"] }\n    effect: deny\n  - id: new-rule\n    match: { tools: ["crm.update"] }\n    effect: deny\n    mode: shadow\n`;

  it('a shadow rule records its deny without changing the effect', () => {
    const d = decide(compile(body), req({ tool: 'crm.update' }), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(d.matched[0]).toMatchObject({ ruleId: 'new-rule', effect: 'deny', mode: 'shadow' });
  });

  it('an enforced deny still denies beside a shadow one', () => {
    const p = compile(`${body}  - id: also\n    match: { tools: ["crm.update"] }\n    effect: deny\n`);
    expect(decide(p, req({ tool: 'crm.update' }), new WindowState(), NOW)).toMatchObject({ effect: 'deny', shadow: false });
  });

  it('policy shadow mode lets the would-deny through, marked', () => {
    const d = decide(compile(body, undefined, 'allow', 'shadow'), req({ tool: 'crm.delete' }), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(d.matched[0]).toMatchObject({ ruleId: 'no-deletes', effect: 'deny', mode: 'shadow' });
  });

  it('tenant shadow mode wins over an enforcing document; allowed calls are not marked', () => {
    const p = compile(body, { mode: 'shadow' });
    expect(decide(p, req({ tool: 'crm.delete' }), new WindowState(), NOW)).toMatchObject({ effect: 'allow', shadow: true });
    expect(decide(p, req({ tool: 'crm.read' }), new WindowState(), NOW)).toMatchObject({ effect: 'allow', shadow: false });
  });
});

describe('evaluation errors fail closed', () => {
  const body = `rules:\n  - id: needs-limit\n    when: 'args.limit > 10'\n    effect: deny\n`;

  it('denies with the error flag', () => {
    const d = decide(compile(body), req({ args: { other: 1 } }), new WindowState(), NOW);
    expect(d.effect).toBe('deny');
    expect(d.error).toMatchObject({ code: 'cel.eval', ruleId: 'needs-limit' });
    expect(d.matched[0]?.reason).toContain('fail closed');
  });

  it('in shadow mode: allowed, marked, error kept', () => {
    const d = decide(compile(body, { mode: 'shadow' }), req({ args: { other: 1 } }), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'allow', shadow: true, error: { code: 'cel.eval' } });
  });

  it('a negative record count is an error', () => {
    const p = compile(`limits:\n  - id: l\n    records: 'int(args.n)'\n    maxPerCall: 5\n`);
    const d = decide(p, req({ args: { n: -3 } }), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'deny', error: { code: 'records.invalid', ruleId: 'l' } });
  });

  it('a record count that is not a number is an error, whatever the value', () => {
    const p = compile(`limits:\n  - id: l\n    records: 'args'\n    maxPerCall: 5\n`);
    const d = decide(p, req({ args: Object.create(null) as object }), new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'deny', error: { code: 'records.invalid', message: "limit 'l' records must be a non-negative number, got a map" } });
  });

  it('a malformed request is denied, not thrown', () => {
    const d = decide(compile(body), { tenantId: 't1' } as unknown as DecisionRequest, new WindowState(), NOW);
    expect(d).toMatchObject({ effect: 'deny', error: { code: 'request.invalid' } });
  });
});

describe('kill switch', () => {
  const body = `rules:\n  - id: allow-all\n    effect: allow\n`;

  it('a suspended agent is denied everything, even with an allow rule, even in shadow mode', () => {
    for (const mode of ['enforce', 'shadow'] as const) {
      const p = compile(body, { mode, agents: [{ id: 'a1', status: 'suspended' }] });
      const d = decide(p, req(), new WindowState(), NOW);
      expect(d).toMatchObject({ effect: 'deny', shadow: false, updates: [] });
      expect(d.matched).toEqual([{ ruleId: 'agent-status', kind: 'agent_status', effect: 'deny', severity: 'critical', mode: 'enforce', reason: "agent 'a1' is suspended: every call is denied (kill switch)" }]);
    }
  });

  it('takes effect by rebinding the compiled policy, without recompiling it', () => {
    const p = compile(body, { agents: [{ id: 'a1', status: 'active' }] });
    expect(decide(p, req(), new WindowState(), NOW).effect).toBe('allow');
    const r = bindTenant(p, { agents: [{ id: 'a1', status: 'retired' }] });
    expect(r.ok && decide(r.policy, req(), new WindowState(), NOW).effect).toBe('deny');
    expect(r.ok && r.policy.hash).toBe(p.hash);
  });

  it('the request can suspend but not revive: a directory suspension wins', () => {
    const p = compile(body, { agents: [{ id: 'a1', status: 'suspended' }] });
    expect(decide(p, req({ agent: { id: 'a1', status: 'active' } }), new WindowState(), NOW).effect).toBe('deny');
    expect(decide(compile(body), req({ agent: { id: 'a1', status: 'suspended' } }), new WindowState(), NOW).effect).toBe('deny');
  });
});

describe('credentials', () => {
  const FP = 'sha256:aa';
  const body = `credentials:
  unbound: flag
  bindings:
    - fingerprint: "${FP}"
      agents: [a1]
      resources: ["crm/*"]
      cidrs: ["10.20.0.0/16", "2001:db8:20::/48"]
      regions: [us-west-2, eu-west-1]
    - fingerprint: "sha256:soft"
      regions: [us-west-2]
      onViolation: flag
`;
  const policy = compile(body);
  const use = (over: Partial<DecisionRequest>): Decision =>
    decide(policy, req({ credential: { fingerprint: FP }, resource: 'crm/executives', source: { ip: '10.20.1.2', region: 'us-west-2' }, ...over }), new WindowState(), NOW);

  it('allows use inside the binding (IPv4, IPv6, IPv4-mapped IPv6)', () => {
    for (const ip of ['10.20.1.2', '10.20.255.255', '2001:db8:20::1', '2001:0db8:0020:ffff::', '::ffff:10.20.0.9']) {
      const d = use({ source: { ip, region: 'eu-west-1' } });
      expect(d.effect, ip).toBe('allow');
      expect(d.matched.filter((m) => m.kind === 'credential'), ip).toEqual([]);
    }
  });

  it('compares fingerprints in their wire form: a sha256: prefix and upper case are folded on both sides', () => {
    const hex = '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08';
    const documentForm = compile(`credentials:
  onViolation: deny
  unbound: deny
  bindings:
    - fingerprint: "sha256:${hex}"
      agents: [a1]
`);
    const wire = hex.toLowerCase();
    const call = (fingerprint: string, agent = 'a1') => decide(documentForm, req({ agent: { id: agent }, credential: { fingerprint } }), new WindowState(), NOW);
    for (const given of [wire, `sha256:${wire}`, `SHA256:${hex}`]) {
      expect(call(given).effect, given).toBe('allow');
      expect(call(given, 'intruder').matched[0]?.ruleId, given).toBe(`credential:${wire}`);
    }
    expect(call('00'.repeat(32)).matched[0]?.reason).toContain('not bound');
  });

  it('denies use from outside its networks, or with an unknown address', () => {
    for (const ip of ['10.21.0.1', '192.168.1.1', '2001:db8:21::1', '::1', 'not-an-ip', '']) {
      const d = use({ source: { ip, region: 'us-west-2' } });
      expect(d.effect, ip).toBe('deny');
      expect(d.matched[0]?.ruleId).toBe('credential:aa');
    }
    expect(use({ source: { ip: '10.21.0.1', region: 'us-west-2' } }).matched[0]?.reason).toContain('source IP 10.21.0.1 is outside its networks');
  });

  it('denies other regions, other resources and other agents, naming every problem', () => {
    expect(use({ source: { ip: '10.20.1.2', region: 'ap-south-1' } }).matched[0]?.reason).toContain("region 'ap-south-1' is not allowed");
    expect(use({ resource: 'billing/invoices' }).matched[0]?.reason).toContain("resource 'billing/invoices' is outside its grant");
    const d = use({ agent: { id: 'intruder' }, resource: undefined, source: { ip: '8.8.8.8' } });
    expect(d.effect).toBe('deny');
    expect(d.matched[0]?.reason).toMatch(/agent 'intruder' may not use it; the call names no resource; source IP 8\.8\.8\.8 is outside its networks; source region is unknown/);
  });

  it('flags instead of denying where the document says so, and flags unbound credentials', () => {
    const soft = use({ credential: { fingerprint: 'sha256:soft' }, source: { region: 'eu-west-1' } });
    expect(soft.effect).toBe('allow');
    expect(soft.matched[0]).toMatchObject({ ruleId: 'credential:soft', effect: 'flag' });
    const unknown = use({ credential: { fingerprint: 'sha256:who' } });
    expect(unknown.effect).toBe('allow');
    expect(unknown.matched[0]).toMatchObject({ kind: 'credential', effect: 'flag' });
  });

  it('takes bindings from the tenant context, which win over the document', () => {
    const p = compile(body, { credentials: [{ fingerprint: FP, regions: ['ap-south-1'] }] });
    expect(decide(p, req({ credential: { fingerprint: FP }, source: { region: 'ap-south-1' } }), new WindowState(), NOW).effect).toBe('allow');
    expect(decide(p, req({ credential: { fingerprint: FP }, source: { region: 'us-west-2' } }), new WindowState(), NOW).effect).toBe('deny');
  });

  it('can require a credential', () => {
    const p = compile(`credentials:\n  requireCredential: true\n`);
    expect(decide(p, req(), new WindowState(), NOW).matched[0]).toMatchObject({ ruleId: 'credential:none', effect: 'deny' });
  });
});

describe('freezes', () => {
  const body = `freezes:
  - id: fri-evening
    timeZone: America/Los_Angeles
    match: { tools: ["deploy.*"] }
    weekly:
      - { days: [fri], start: "16:00", end: "24:00" }
      - { days: [sat], start: "22:00", end: "02:00" }
  - id: new-year
    timeZone: Europe/Berlin
    ranges: [{ start: "2025-12-31T18:00", end: "2026-01-01T06:00" }]
`;
  const policy = compile(body);
  const at = (iso: string, tool = 'deploy.run'): string => decide(policy, req({ tool }), new WindowState(), Date.parse(iso)).matched.map((m) => m.ruleId).join();

  it('recurring windows follow the wall clock across DST', () => {
    expect(at('2025-07-18T23:30:00Z')).toBe('fri-evening'); // Fri 16:30 PDT
    expect(at('2025-07-18T22:59:00Z')).toBe('default'); // Fri 15:59 PDT
    expect(at('2025-01-18T00:30:00Z')).toBe('fri-evening'); // Fri 16:30 PST = Sat 00:30 UTC
    expect(at('2025-01-18T07:59:00Z')).toBe('fri-evening'); // Fri 23:59 PST
    expect(at('2025-01-18T08:00:00Z')).toBe('default'); // Sat 00:00 PST
  });

  it('a window ending before it starts runs past midnight', () => {
    expect(at('2025-07-20T08:30:00Z')).toBe('fri-evening'); // Sun 01:30 PDT
    expect(at('2025-07-20T09:00:00Z')).toBe('default'); // Sun 02:00 PDT
  });

  it('absolute ranges are local in their zone', () => {
    expect(at('2025-12-31T17:00:00Z', 'x')).toBe('new-year'); // 18:00 CET
    expect(at('2025-12-31T16:59:59Z', 'x')).toBe('default');
    expect(at('2026-01-01T04:59:59Z', 'x')).toBe('new-year');
    expect(at('2026-01-01T05:00:00Z', 'x')).toBe('default');
  });
});

describe('properties', () => {
  const tools = ['crm.read', 'crm.delete', 'crm.insert', 'billing.pay'];
  const globs = ['crm.*', 'crm.read', '*.delete', 'billing.*', '*'];
  const conds = ['true', 'false', 'size(args.ids) > 2', 'resource.startsWith("crm/")', 'has(args.force)'];
  const ruleArb = fc.record({
    effect: fc.constantFrom('allow', 'deny'),
    tools: fc.option(fc.subarray(globs, { minLength: 1 }), { nil: undefined }),
    when: fc.option(fc.constantFrom(...conds), { nil: undefined }),
    mode: fc.constantFrom('enforce', 'enforce', 'shadow'),
  });
  const reqArb = fc.record({
    tool: fc.constantFrom(...tools),
    ids: fc.array(fc.nat(9), { maxLength: 5 }),
    force: fc.boolean(),
    resource: fc.constantFrom('crm/executives', 'billing/x', undefined),
  });
  type RuleSpec = { effect: string; tools: string[] | undefined; when: string | undefined; mode: string };
  const yaml = (rules: RuleSpec[]): string =>
    rules.length === 0
      ? ''
      : `rules:\n${rules
          .map((r, i) => `  - id: r${i}\n    effect: ${r.effect}\n    mode: ${r.mode}\n${r.tools ? `    match: { tools: ${JSON.stringify(r.tools)} }\n` : ''}${r.when ? `    when: '${r.when}'\n` : ''}`)
          .join('')}`;
  const toReq = (q: { tool: string; ids: number[]; force: boolean; resource: string | undefined }): DecisionRequest =>
    req({ tool: q.tool, args: q.force ? { ids: q.ids, force: true } : { ids: q.ids }, ...(q.resource === undefined ? {} : { resource: q.resource }) });

  it('deny overrides allow: the effect is deny exactly when an enforced deny matched, or nothing allowed and the default denies', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 8 }), fc.constantFrom('allow', 'deny' as const), reqArb, (rules, def, q) => {
        const p = compile(yaml(rules), undefined, def);
        const d = decide(p, toReq(q), new WindowState(), NOW);
        const enforced = d.matched.filter((m) => m.mode === 'enforce');
        const denied = enforced.some((m) => m.effect === 'deny' && m.kind === 'rule');
        const allowed = enforced.some((m) => m.effect === 'allow' && m.kind === 'rule');
        expect(d.effect).toBe(denied ? 'deny' : allowed ? 'allow' : def);
        // Adding allow-everything rules in front never lifts an enforced deny.
        const more = compile(yaml([{ effect: 'allow', tools: undefined, when: undefined, mode: 'enforce' }, ...rules]), undefined, def);
        if (denied) expect(decide(more, toReq(q), new WindowState(), NOW).effect).toBe('deny');
      }),
      { numRuns: 300 },
    );
  });

  it('determinism: same policy, request, history and time give the same decision', () => {
    const lim = `limits:\n  - id: l\n    records: 'size(args.ids)'\n    window: { duration: 1m, maxRecords: 12 }\nsequences:\n  - id: s\n    after: { tools: ["crm.delete"] }\n    then: { tools: ["crm.insert"] }\n    within: 30s\n`;
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 6 }), fc.array(fc.tuple(reqArb, fc.nat(20_000)), { maxLength: 30 }), reqArb, (rules, history, q) => {
        const run = (): Decision => {
          const p = compile(yaml(rules) + lim);
          const s = new WindowState({ maxKeys: 4 });
          let t = NOW;
          for (const [h, dt] of history) {
            t += dt;
            const d = decide(p, toReq(h), s, t);
            s.apply(d.updates, t);
          }
          return decide(p, toReq(q), s, t + 1);
        };
        const a = run();
        expect(run()).toEqual(a);
      }),
      { numRuns: 150 },
    );
  });
});

describe('sequences scoped to the tenant', () => {
  const body = (scope: string) => `sequences:\n  - id: fab\n    scope: ${scope}\n    after: { tools: ["files.delete"] }\n    then: { tools: ["files.create"] }\n    within: 10m\n`;
  const run = (scope: string) => {
    const policy = compile(body(scope));
    const state = new WindowState();
    const del = decide(policy, req({ agent: { id: 'deleter' }, tool: 'files.delete', resource: 'r/1' }), state, NOW);
    state.apply(del.updates, NOW);
    return {
      other: decide(policy, req({ agent: { id: 'writer' }, tool: 'files.create', resource: 'r/1' }), state, NOW + 1),
      otherTenant: decide(policy, req({ tenantId: 't2', agent: { id: 'writer' }, tool: 'files.create', resource: 'r/1' }), state, NOW + 1),
      otherResource: decide(policy, req({ agent: { id: 'writer' }, tool: 'files.create', resource: 'r/2' }), state, NOW + 1),
    };
  };

  it("links one agent's delete and another agent's insert; never another tenant's, nor another resource", () => {
    const tenant = run('tenant');
    expect(tenant.other.effect).toBe('deny');
    expect(tenant.other.matched[0]?.reason).toContain("after 1 earlier matching call by the tenant's agents");
    expect(tenant.otherTenant.effect).toBe('allow');
    expect(tenant.otherResource.effect).toBe('allow');
    // Scoped to the agent (the default), another agent's delete does not count.
    expect(run('agent').other.effect).toBe('allow');
  });
});
