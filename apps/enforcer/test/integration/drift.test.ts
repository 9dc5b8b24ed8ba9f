// Drift at the edge: a snapshot carrying learned baselines and a policy with a drift
// section; the enforcer checks each call locally and says what drifted, and each matched
// rule tells the decision stream what it did (effect deny / flag / observe / allow).
import { BaselineSubject, Effect, Outcome, RuleKind, TenantMode, type DecisionEvent } from '@thoth/contracts';
import { generateSigningKey, signerFromSeed } from '@thoth/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessDecisionLog } from '../../src/emit/in-process-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/enforcer.js';
import { agentClient, install, sha256Hex, trusted } from './fixtures.js';
import { noDropsRules, policyYaml } from '@thoth/testing/policy-yaml';

const FP = sha256Hex('crm-oauth-token');
const AGENT = { id: 'crm-agent', token: 'thoth_at_drift' };
const enc = (s: string) => new TextEncoder().encode(s);
const NOW = Date.UTC(2026, 2, 4, 10, 30);

const policy = (action: string) =>
  policyYaml('drift-edge', 3, `${noDropsRules({ reason: false })}drift:
  action: ${action}
  subjects: [credential]
  minObservations: 100
`);

const baseline = (regions: string[]) => ({
  subjectKind: BaselineSubject.CREDENTIAL,
  subjectId: FP,
  observations: 4_800n,
  resourceClasses: ['crm/contacts', 'crm/companies'],
  sourceRegions: regions,
  sourceNetworks: ['10.20.1.0/24'],
  tools: ['crm.read_contacts'],
  peakCallsPerMinute: 4,
  peakCallsPer10Minutes: 40,
  activeHoursUtc: 0b000000111111111100000000, // 08:00-17:59
});

describe('drift checked by the enforcer against the snapshot’s baselines', () => {
  let enforcer: RunningEnforcer;
  let agent: ReturnType<typeof agentClient>;
  const events: DecisionEvent[] = [];

  beforeAll(async () => {
    const log = new InProcessDecisionLog({ capacity: 10_000 });
    log.subscribe((batch) => void events.push(...batch));
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-drift',
      listen: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: log,
      clock: () => NOW,
    });
    const content = (action: string) => ({ policy: { version: 3n, format: 1, content: enc(policy(action)) } });
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-00000000d001', ...content('deny'), baselines: [baseline(['eu-west-1'])] }, [AGENT]);
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-00000000d002', ...content('alert'), baselines: [baseline(['eu-west-1'])] }, [AGENT]);
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-00000000d003', ...content('observe'), baselines: [baseline(['eu-west-1'])] }, [AGENT]);
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-00000000005a', mode: TenantMode.SHADOW, ...content('deny'), baselines: [baseline(['eu-west-1'])] }, [AGENT]);
    agent = agentClient(enforcer.address);
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 5_000 });
  });

  const call = (tenantId: string, request: Record<string, unknown> = {}) =>
    agent.client.decide(
      {
        tenantId,
        agentId: AGENT.id,
        tool: 'crm.read_contacts',
        argumentsJson: enc('{}'),
        resource: 'crm/contacts/17',
        credentialFingerprint: FP,
        source: { ip: '10.20.1.9', region: 'eu-west-1' },
        ...request,
      },
      { metadata: agent.auth(AGENT.token), deadlineMs: 10_000 },
    );
  const event = async (decisionId: string) => {
    for (let i = 0; i < 200 && !events.some((e) => e.decisionId === decisionId); i++) await new Promise((r) => setTimeout(r, 10));
    return events.find((e) => e.decisionId === decisionId);
  };

  it('normal use is allowed; the default rule says so with effect allow', async () => {
    const answer = await call('7e0a0000-0000-4000-8000-00000000d001');
    expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: false });
    expect(answer.matchedRules.map((r) => ({ ruleId: r.ruleId, effect: r.effect }))).toEqual([{ ruleId: 'default', effect: 'allow' }]);
  });

  it('a call from a new region is denied by a drift rule naming the region and the baseline', async () => {
    const answer = await call('7e0a0000-0000-4000-8000-00000000d001', { source: { ip: '10.20.1.9', region: 'ap-south-1' } });
    expect(answer.effect).toBe(Effect.DENY);
    expect(answer.receipt?.outcome).toBe(Outcome.DENY);
    const drift = answer.matchedRules.find((r) => r.kind === RuleKind.DRIFT);
    expect(drift).toMatchObject({ ruleId: 'drift:credential:locations', effect: 'deny', reason: `credential ${FP.slice(0, 12)}… used from region ap-south-1, never seen in its baseline (eu-west-1)` });
    expect(answer.receipt?.reasons).toContain(`drift:credential:locations: ${drift!.reason}`);
    const recorded = await event(answer.decisionId);
    expect(recorded?.matchedRules.find((r) => r.kind === RuleKind.DRIFT)).toMatchObject({ ruleId: 'drift:credential:locations', effect: 'deny' });
  });

  it('alert lets it through flagged, observe records it only; the decision stream tells them apart', async () => {
    const away = { source: { ip: '10.20.1.9', region: 'ap-south-1' } };
    const alerted = await call('7e0a0000-0000-4000-8000-00000000d002', away);
    expect(alerted).toMatchObject({ effect: Effect.ALLOW, shadow: false });
    expect(alerted.matchedRules.find((r) => r.kind === RuleKind.DRIFT)?.effect).toBe('flag');
    const observed = await call('7e0a0000-0000-4000-8000-00000000d003', away);
    expect(observed).toMatchObject({ effect: Effect.ALLOW, shadow: false });
    expect(observed.matchedRules.find((r) => r.kind === RuleKind.DRIFT)?.effect).toBe('observe');
    expect((await event(alerted.decisionId))?.matchedRules.map((r) => r.effect)).toEqual(['flag', 'allow']);
    expect((await event(observed.decisionId))?.matchedRules.map((r) => r.effect)).toEqual(['observe', 'allow']);
  });

  it('in shadow mode a drift deny is a would-deny', async () => {
    const answer = await call('7e0a0000-0000-4000-8000-00000000005a', { resource: 'https://api.stripe.com/v1/charges' });
    expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(answer.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    expect(answer.matchedRules.find((r) => r.kind === RuleKind.DRIFT)).toMatchObject({ ruleId: 'drift:credential:resources', effect: 'deny' });
  });

  it('a rule deny says deny; a request refused before evaluation says deny too', async () => {
    const drop = await call('7e0a0000-0000-4000-8000-00000000d001', { tool: 'db.drop_users' });
    expect(drop.matchedRules.find((r) => r.ruleId === 'no-drops')?.effect).toBe('deny');
    const refused = await call('7e0a0000-0000-4000-8000-00000000d001', { argumentsJson: enc('{not json') }).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).toBe('refused');
    for (let i = 0; i < 200 && !events.some((e) => e.errorCode === 'INVALID_ARGUMENTS_JSON'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(events.find((e) => e.errorCode === 'INVALID_ARGUMENTS_JSON')?.matchedRules.map((r) => r.effect)).toEqual(['deny']);
  });

  it('a new snapshot with a grown baseline is activated and the region stops being drift', async () => {
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-00000000d001', version: 2n, policy: { version: 3n, format: 1, content: enc(policy('deny')) }, baselines: [baseline(['eu-west-1', 'ap-south-1'])] }, [AGENT]);
    const answer = await call('7e0a0000-0000-4000-8000-00000000d001', { source: { ip: '10.20.1.9', region: 'ap-south-1' } });
    expect(answer.effect).toBe(Effect.ALLOW);
    expect(answer.receipt?.configVersion).toBe(2n);
  });
});
