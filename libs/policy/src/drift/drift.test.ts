import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompileOptions, type CompiledPolicy, type Decision, type DecisionRequest, type RecordedCall, type TenantContext } from '../index.js';
import { decide as decideTimed } from '../decide/decide.js';
import { WindowState } from '../state/window-state.js';
import { BaselineLearner, learnBaselines } from './learn-baselines.js';
import { networkOf, resourceClass } from './usage-keys.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

// Acceptance 1 of issue 9 at the engine: baselines learned from recorded traffic, then the
// same credential from a new location, on a new resource, and at ten times its usual rate
// is each caught with a reason naming the drift; normal use is not.

const TENANT = 'tenant-drift';
const FP = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 2); // a Monday, 00:00 UTC

const policy = (drift: string, mode = 'enforce') => `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: { name: drift-test, version: "1" }
defaults: { effect: allow, mode: ${mode} }
drift:
${drift}`;

/** Deterministic pseudo-random numbers (the traffic must be the same on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The CRM agent's normal day: 08:00-17:59 UTC, one call every 15 s (4 a minute, 40 in ten). */
function normalDay(day: number, seed = day + 1): RecordedCall[] {
  const r = rng(seed);
  const calls: RecordedCall[] = [];
  for (let t = T0 + day * DAY + 8 * 3_600_000; t < T0 + day * DAY + 18 * 3_600_000; t += 15_000) {
    const contacts = r() < 0.7;
    const east = r() < 0.2;
    calls.push({
      id: `d${day}-${t}`,
      at: t,
      request: {
        tenantId: TENANT,
        agent: { id: 'crm-agent' },
        tool: r() < 0.8 ? 'crm.read_contacts' : 'crm.update_contact',
        args: {},
        resource: `${contacts ? 'crm/contacts' : 'crm/companies'}/${Math.floor(r() * 10_000)}`,
        credential: { fingerprint: FP },
        source: { ip: `10.20.${east ? 2 : 1}.${1 + Math.floor(r() * 250)}`, region: east ? 'us-east-1' : 'eu-west-1' },
      },
      recorded: { effect: 'allow' },
    });
  }
  return calls;
}

const learned = learnBaselines([...normalDay(0), ...normalDay(1)]);
const tenant = (extra: Partial<TenantContext> = {}): TenantContext => ({ mode: 'enforce', baselines: learned.map((l) => l.baseline), ...extra });

function compiled(source: string, opts: CompileOptions = { tenant: tenant() }): CompiledPolicy {
  const r = compilePolicy(source, opts);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

const call = (at: number, over: Partial<DecisionRequest> = {}): RecordedCall => ({
  at,
  request: {
    tenantId: TENANT,
    agent: { id: 'crm-agent' },
    tool: 'crm.read_contacts',
    args: {},
    resource: 'crm/contacts/42',
    credential: { fingerprint: FP },
    source: { ip: '10.20.1.77', region: 'eu-west-1' },
    ...over,
  },
});

/** Decides calls in order on one window state, as an enforcer does. */
function run(p: CompiledPolicy, calls: readonly RecordedCall[], state = new WindowState()): Decision[] {
  return calls.map((c) => {
    const d = decide(p, c.request, state, c.at);
    state.apply(d.updates, c.at);
    return d;
  });
}


const drifts = (d: Decision) => d.matched.filter((m) => m.kind === 'drift');
const DENY_ALL = '  action: deny';
const day2 = T0 + 2 * DAY;

describe('learning baselines from recorded traffic', () => {
  it('learns resource classes, locations, tools, peaks and hours per credential and per agent', () => {
    expect(learned.map((l) => `${l.baseline.subject}:${l.baseline.id}`)).toEqual([`credential:${FP}`, 'agent:crm-agent']);
    const credential = learned[0]!;
    expect(credential.baseline).toEqual({
      subject: 'credential',
      id: FP,
      observations: 4_800,
      resourceClasses: ['crm/companies', 'crm/contacts'],
      regions: ['eu-west-1', 'us-east-1'],
      networks: ['10.20.1.0/24', '10.20.2.0/24'],
      tools: ['crm.read_contacts', 'crm.update_contact'],
      peakPerMinute: 4,
      peakPer10Minutes: 40,
      activeHoursUtc: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    });
    expect(credential.firstAt).toBe(T0 + 8 * 3_600_000);
    expect(credential.lastAt).toBe(T0 + DAY + 18 * 3_600_000 - 15_000);
    expect(learned[1]!.baseline).toMatchObject({ subject: 'agent', id: 'crm-agent', observations: 4_800, peakPer10Minutes: 40 });
  });

  it('leaves recorded denials out and counts peaks over sliding minute-aligned windows', () => {
    const burst = [0, 1, 2, 3, 4, 5].map((i) => call(T0 + 59_000 + i * 1_000)); // 1 in minute 0, 5 in minute 1
    const denied = { ...call(T0 + 61_500), recorded: { effect: 'deny' as const } };
    const [c] = learnBaselines([...burst, denied, call(T0 + 11 * 60_000)]);
    expect(c!.baseline).toMatchObject({ observations: 7, peakPerMinute: 5, peakPer10Minutes: 6 });
  });

  it('drops a dimension that is too diverse to baseline (no list, so it is not checked)', () => {
    const learner = new BaselineLearner({ maxValues: 3 });
    for (let i = 0; i < 5; i++) learner.observe(T0 + i, call(T0, { tool: `t${i}` }).request);
    expect(learner.baselines()[0]!.baseline.tools).toEqual([]);
    expect(learner.baselines()[0]!.baseline.regions).toEqual(['eu-west-1']);
  });
});

describe('drift against learned baselines', () => {
  const p = compiled(policy(DENY_ALL));

  it('normal use is not drift: a third day of the same traffic passes without a finding', () => {
    const decisions = run(p, normalDay(2, 99));
    expect(decisions.length).toBe(2_400);
    expect(decisions.flatMap(drifts)).toEqual([]);
    expect(decisions.every((d) => d.effect === 'allow')).toBe(true);
  });

  it('catches the same credential used from a new location, naming it and the baseline', () => {
    const [d] = run(p, [call(day2 + 10 * 3_600_000, { source: { ip: '203.0.113.9', region: 'ap-south-1' } })]);
    expect(d!.effect).toBe('deny');
    expect(drifts(d!).find((m) => m.ruleId === 'drift:credential:locations')).toEqual({
      ruleId: 'drift:credential:locations',
      kind: 'drift',
      effect: 'deny',
      severity: 'high',
      mode: 'enforce',
      reason: 'credential 9f86d081884c… used from region ap-south-1 and network 203.0.113.0/24, never seen in its baseline (regions eu-west-1, us-east-1; networks 10.20.1.0/24, 10.20.2.0/24)',
    });
    const [region] = run(p, [call(day2 + 10 * 3_600_000, { source: { ip: '10.20.1.5', region: 'ap-south-1' } })]);
    expect(drifts(region!).map((m) => m.reason)).toContain('credential 9f86d081884c… used from region ap-south-1, never seen in its baseline (eu-west-1, us-east-1)');
  });

  it('catches the same credential used on a new resource', () => {
    const [d] = run(p, [call(day2 + 10 * 3_600_000, { resource: 'https://api.stripe.com/v1/charges?limit=100' })]);
    expect(d!.effect).toBe('deny');
    expect(drifts(d!).find((m) => m.ruleId === 'drift:credential:resources')?.reason).toBe(
      "credential 9f86d081884c… touched resource class 'https://api.stripe.com/v1', never seen in its baseline (crm/companies, crm/contacts)",
    );
  });

  it('catches the same credential at ten times its usual rate, and says by how much', () => {
    const state = new WindowState();
    run(p, normalDay(2, 7).filter((c) => c.at < day2 + 10 * 3_600_000), state); // a normal morning first
    const start = day2 + 10 * 3_600_000;
    const fast = Array.from({ length: 400 }, (_, i) => call(start + i * 1_500)); // 40 a minute: 10x
    const decisions = run(p, fast, state);
    const first = decisions.findIndex((d) => drifts(d).some((m) => m.ruleId === 'drift:credential:rate'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(40); // within the first minute of the burst
    expect(decisions[first]!.effect).toBe('deny');
    expect(drifts(decisions[first]!).find((m) => m.ruleId === 'drift:credential:rate')?.reason).toMatch(/^credential 9f86d081884c… rate \d+ calls\/1m is 5\.\d× the baseline peak of 4 \(drift from 5×\)$/);
    const last = drifts(decisions.at(-1)!).find((m) => m.ruleId === 'drift:credential:rate');
    expect(last?.reason).toBe('credential 9f86d081884c… rate 400 calls/10m is 10.0× the baseline peak of 40 (drift from 5×)');
  });

  it('catches an off-hours burst, not a single off-hours call', () => {
    const night = day2 + 3 * 3_600_000;
    const decisions = run(p, [0, 1, 2, 3, 4].map((i) => call(night + i * 20_000)));
    expect(decisions.slice(0, 4).flatMap(drifts)).toEqual([]);
    expect(drifts(decisions[4]!).find((m) => m.ruleId === 'drift:credential:hours')?.reason).toBe(
      'credential 9f86d081884c… made 5 calls within 10m at 03:00–03:59 UTC, outside its active hours (08:00–17:59 UTC)',
    );
  });

  it('an hour next to the active ones is not off-hours (slackHours: 1)', () => {
    const decisions = run(p, [0, 1, 2, 3, 4, 5].map((i) => call(day2 + 18 * 3_600_000 + i * 10_000)));
    expect(decisions.flatMap(drifts)).toEqual([]);
  });

  it('checks the agent baseline too: a new tool for the agent', () => {
    const [d] = run(p, [call(day2 + 10 * 3_600_000, { tool: 'crm.export_all' })]);
    expect(drifts(d!).map((m) => m.ruleId).sort()).toEqual(['drift:agent:tools', 'drift:credential:tools']);
    expect(drifts(d!).find((m) => m.ruleId === 'drift:agent:tools')?.reason).toBe(
      "agent 'crm-agent' called tool 'crm.export_all', never seen in its baseline (crm.read_contacts, crm.update_contact)",
    );
  });
});

describe('what the policy says drift does', () => {
  const away = call(day2 + 10 * 3_600_000, { source: { ip: '10.20.1.5', region: 'ap-south-1' } });

  it('alert lets the call through flagged; observe records it only', () => {
    const [alert] = run(compiled(policy('  action: alert')), [away]);
    expect(alert).toMatchObject({ effect: 'allow', shadow: false });
    expect(drifts(alert!).map((m) => m.effect)).toEqual(['flag', 'flag']);
    const [observe] = run(compiled(policy('  action: observe')), [away]);
    expect(observe).toMatchObject({ effect: 'allow', shadow: false });
    expect(drifts(observe!).map((m) => m.effect)).toEqual(['observe', 'observe']);
  });

  it('alert is the default action, high the default severity; checks override both', () => {
    const p = compiled(policy('  subjects: [credential]\n  checks:\n    locations: { action: deny, severity: critical }\n    resources: { enabled: false }'));
    const [d] = run(p, [{ ...away, request: { ...away.request, resource: 'erp/ledger' } }]);
    expect(d!.effect).toBe('deny');
    expect(drifts(d!)).toEqual([expect.objectContaining({ ruleId: 'drift:credential:locations', effect: 'deny', severity: 'critical' })]);
    const [tools] = run(p, [call(day2 + 10 * 3_600_000, { tool: 'crm.export_all' })]);
    expect(drifts(tools!)).toEqual([expect.objectContaining({ ruleId: 'drift:credential:tools', effect: 'flag', severity: 'high' })]);
  });

  it('in shadow mode a drift deny is a would-deny', () => {
    const [d] = run(compiled(policy(DENY_ALL), { tenant: tenant({ mode: 'shadow' }) }), [away]);
    expect(d).toMatchObject({ effect: 'allow', shadow: true });
    expect(drifts(d!).every((m) => m.effect === 'deny' && m.mode === 'shadow')).toBe(true);
  });

  it('a baseline learned from fewer calls than minObservations is not checked', () => {
    const [d] = run(compiled(policy(`${DENY_ALL}\n  minObservations: 5000`)), [away]);
    expect(d!.matched.map((m) => m.kind)).toEqual(['default']);
    const [agentOnly] = run(compiled(policy(`${DENY_ALL}\n  subjects: [agent]`)), [away]);
    expect(drifts(agentOnly!).map((m) => m.ruleId)).toEqual(['drift:agent:locations']);
  });

  it('without a drift section baselines cost nothing and find nothing', () => {
    const p = compiled('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: x, version: "1" }\ndefaults: { effect: allow }\n');
    const [d] = run(p, [away]);
    expect(d).toMatchObject({ effect: 'allow', updates: [] });
  });

  it('a denied drifting call still counts toward the rate (attempts count)', () => {
    const [d] = run(compiled(policy(DENY_ALL)), [away]);
    expect(d!.updates.map((u) => u.windowMs).sort((a, b) => a - b)).toEqual([60_000, 60_000, 600_000, 600_000]);
  });
});

describe('the drift section is validated like the rest of the language', () => {
  const errors = (source: string, opts?: CompileOptions) => {
    const r = compilePolicy(source, opts);
    return r.ok ? [] : r.errors.map((e) => ({ code: e.code, path: e.path }));
  };

  it('refuses unknown fields, bad enums, out-of-range numbers and bad windows with stable codes', () => {
    expect(errors(policy('  action: block'))).toEqual([{ code: 'schema.enum', path: '/drift/action' }]);
    expect(errors(policy('  checks: { rate: { factor: 0.5 } }'))).toEqual([{ code: 'schema.range', path: '/drift/checks/rate/factor' }]);
    expect(errors(policy('  checks: { hours: { slackHours: 12 } }'))).toEqual([{ code: 'schema.range', path: '/drift/checks/hours/slackHours' }]);
    expect(errors(policy('  checks: { hours: { window: 10 minutes } }'))).toEqual([{ code: 'schema.pattern', path: '/drift/checks/hours/window' }]);
    expect(errors(policy('  checks: { hours: { window: 40d } }'))).toEqual([{ code: 'schema.range', path: '/drift/checks/hours/window' }]);
    expect(errors(policy('  checks: { location: { action: deny } }'))).toEqual([{ code: 'schema.unknown_field', path: '/drift/checks/location' }]);
    expect(errors(policy('  subjects: [credential, tenant]'))).toEqual([{ code: 'schema.enum', path: '/drift/subjects/1' }]);
    expect(errors(policy('  minObservations: 0'))).toEqual([{ code: 'schema.range', path: '/drift/minObservations' }]);
  });

  it('reserves drift:* ids for its findings', () => {
    const source = `${policy(DENY_ALL)}\nrules:\n  - { id: "drift:mine", effect: deny }\n`;
    expect(errors(source)).toEqual([{ code: 'rule.reserved_id', path: '/rules/0/id' }]);
  });

  it('refuses malformed baselines in the tenant context, pointing at them', () => {
    const bad = { subject: 'credential' as const, id: FP, observations: 100, networks: ['10.0.0.0/33'], activeHoursUtc: [24] };
    expect(errors(policy(DENY_ALL), { tenant: { baselines: [bad] } })).toEqual([
      { code: 'baseline.invalid', path: '/tenant/baselines/0/activeHoursUtc/0' },
      { code: 'cidr.invalid', path: '/tenant/baselines/0/networks/0' },
    ]);
  });
});

describe('resource classes and networks', () => {
  it.each([
    ['https://API.GitHub.com:443/repos/acme/x?page=2', 'https://api.github.com:443/repos'],
    ['https://user:secret@example.com/a/b', 'https://example.com/a'],
    ['https://example.com', 'https://example.com'],
    ['https://example.com/', 'https://example.com'],
    ['crm://contacts/17', 'crm://contacts/17'],
    ['crm/executives/123', 'crm/executives'],
    ['crm/executives', 'crm/executives'],
    ['crm', 'crm'],
    ['/var/data/file.csv', '/var/data'],
    ['s3:bucket/key/x?versionId=3', 's3:bucket/key'],
    ['', ''],
  ])('%s is in class %s', (resource, cls) => {
    expect(resourceClass(resource)).toBe(cls);
  });

  it.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['::ffff:203.0.113.7', '203.0.113.0/24'],
    ['2001:db8:1:2::5', '2001:db8:1::/48'],
    ['2001:0db8:0000:ffff::1', '2001:db8:0::/48'],
    ['not an ip', undefined],
  ])('%s is in network %s', (ip, net) => {
    expect(networkOf(ip)).toBe(net);
  });

  it('a wider baseline network (not /24 or /48) contains its addresses', () => {
    const p = compiled(policy(DENY_ALL), { tenant: { baselines: [{ subject: 'credential', id: `sha256:${FP.toUpperCase()}`, observations: 100, networks: ['10.0.0.0/8'] }] } });
    expect(run(p, [call(day2, { source: { ip: '10.99.1.1' } })]).flatMap(drifts)).toEqual([]);
    expect(run(p, [call(day2, { source: { ip: '11.0.0.1' } })]).flatMap(drifts).map((m) => m.reason)).toEqual([
      'credential 9f86d081884c… used from network 11.0.0.0/24, never seen in its baseline (10.0.0.0/8)',
    ]);
  });
});

describe('networkOf without parsing dotted quads', () => {
  it('agrees with the parser on canonical and odd IPv4 text', () => {
    for (const [ip, net] of [
      ['0.0.0.0', '0.0.0.0/24'],
      ['255.255.255.255', '255.255.255.0/24'],
      ['10.20.1.9', '10.20.1.0/24'],
      ['256.1.1.1', undefined],
      ['1.1.1', undefined],
      ['1.1.1.1.1', undefined],
      ['01.1.1.1', undefined],
      ['1.1.1.', undefined],
      ['1..1.1', undefined],
      ['1.1.1.999', undefined],
      ['a.b.c.d', undefined],
    ] as const) {
      expect(networkOf(ip), ip).toBe(net);
    }
  });
});
