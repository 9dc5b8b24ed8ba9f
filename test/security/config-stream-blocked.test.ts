// Attack: block the config stream, and enforcement freezes (issue 15, acceptance 3). Whoever sits
// on the network between an enforcer and its control plane keeps the connection open and forwards
// nothing: the enforcer used to go on deciding on its last snapshot for ever, so an agent suspended
// meanwhile (the kill switch) kept writing. Run against a real enforcer fed by a real config stream
// server through a TCP relay the test pauses. The enforcer's clock is the test's, and the control
// plane's heartbeats are hourly, so that the only messages reaching the enforcer are the pushes this
// test makes and its staleness moves only when the test says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatus, Effect, FailMode, Outcome, RiskTier, RuleKind, type DecideResponse } from '../../libs/contracts/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import {
  agentClient,
  controlPlaneKey,
  startControlPlane,
  startTestEnforcer,
  TcpRelay,
  tenantConfig,
  waitFor,
  type AgentClient,
  type TestControlPlane,
} from '../integration/enforcers/harness.js';

const MAX_STALENESS_MS = 60_000;
const { signer, trusted } = controlPlaneKey();
const CLOSED = '7e0a0000-0000-4000-8000-0000000c0b01';
const OPEN = '7e0a0000-0000-4000-8000-0000000c0b02';
const AGENT = { id: 'crm-agent', token: 'thoth_at_blocked' };
const OPEN_AGENT = { id: 'crm-agent', token: 'thoth_at_blocked_open' };
const POLICY = policyYaml('config-stream-blocked', 1, `tiers:
  - tools: ["crm.read_*"]
    tier: read
  - tools: ["crm.update_*"]
    tier: write
  - tools: ["crm.delete_*"]
    tier: destructive
`);
const closedConfig = (status = AgentStatus.ACTIVE) => tenantConfig({ tenantId: CLOSED, policy: POLICY, agents: [{ ...AGENT, status }] });

describe('attack: block the config stream, then write as an agent suspended since', () => {
  let now = Date.now();
  let cp: TestControlPlane;
  let relay: TcpRelay;
  let enforcer: Awaited<ReturnType<typeof startTestEnforcer>>;
  let agent: AgentClient;
  let openAgent: AgentClient;
  const readyz = async () => {
    const response = await fetch(`${enforcer.httpUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const staleDenials = async () => {
    const metrics = await (await fetch(`${enforcer.httpUrl}/metrics`)).text();
    return { metrics, write: Number(/^thoth_enforcer_config_stale_denials_total\{tier="write"\} (\d+)$/m.exec(metrics)?.[1] ?? 0) };
  };
  const ruleIds = (a: DecideResponse) => a.matchedRules.map((m) => m.ruleId);

  beforeAll(async () => {
    cp = await startControlPlane({ signer, tokens: { thoth_et_blocked: { enforcerId: 'enforcer-blocked', tenantIds: [CLOSED, OPEN] } }, heartbeatIntervalMs: 3_600_000 });
    expect(cp.cache.setSnapshot(CLOSED, closedConfig()).ok).toBe(true);
    expect(cp.cache.setSnapshot(OPEN, tenantConfig({ tenantId: OPEN, policy: POLICY, agents: [OPEN_AGENT], failMode: FailMode.OPEN })).ok).toBe(true);
    relay = new TcpRelay(cp.address);
    await relay.start();
    enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-blocked',
      trustedKeys: trusted,
      controlPlane: { address: relay.address, token: 'thoth_et_blocked', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      http: { host: '127.0.0.1', port: 0 },
      maxStalenessMs: MAX_STALENESS_MS,
      clock: () => now,
    });
    await waitFor('both tenants activated', () => enforcer.store.size === 2);
    agent = agentClient(enforcer.address, { tenantId: CLOSED, agentId: AGENT.id, token: AGENT.token });
    openAgent = agentClient(enforcer.address, { tenantId: OPEN, agentId: OPEN_AGENT.id, token: OPEN_AGENT.token });
  });

  afterAll(async () => {
    agent?.close();
    openAgent?.close();
    await enforcer?.stop({ drainTimeoutMs: 500 });
    await relay?.stop();
    await cp?.stop();
  });

  it('config-stream-blocked: past its maximum staleness writes are denied CONFIG_STALE and /readyz says why; reads follow the fail mode; unblocked, the suspension reaches the agent', async () => {
    expect(await agent.decide({ tool: 'crm.update_contact' })).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    expect((await readyz()).status).toBe(200);
    const before = (await staleDenials()).write;

    relay.pause();
    // The kill switch, while the stream is blocked: it cannot reach the enforcer.
    expect(cp.cache.setSnapshot(CLOSED, closedConfig(AgentStatus.SUSPENDED)).ok).toBe(true);
    const suspendedVersion = cp.cache.get(CLOSED)!.version;

    // Within its maximum staleness the enforcer decides on its last known good snapshot.
    now += MAX_STALENESS_MS;
    expect(await agent.decide({ tool: 'crm.update_contact' })).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });

    now += 1_000;
    const write = await agent.decide({ tool: 'crm.update_contact' });
    expect(write).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'CONFIG_STALE' });
    expect(write.receipt?.outcome).toBe(Outcome.DENY);
    expect(ruleIds(write)).toContain('enforcer.config_stale');
    expect(write.errorMessage).toContain('61 s');
    // A caller cannot lower the tier to get through: the policy's tier (write) wins over "read".
    expect(await agent.decide({ tool: 'crm.update_contact', riskTier: RiskTier.READ })).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
    // Reads follow the tenant's fail mode: closed, denied.
    expect(await agent.decide({ tool: 'crm.read_contacts' })).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
    // A tenant that fails open has its reads let through (a recorded would-deny), never its writes or deletes.
    const openRead = await openAgent.decide({ tool: 'crm.read_contacts' });
    expect(openRead).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'CONFIG_STALE' });
    expect(ruleIds(openRead)).toEqual(expect.arrayContaining(['enforcer.config_stale', 'enforcer.fail_open']));
    expect(await openAgent.decide({ tool: 'crm.update_contact' })).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
    expect(await openAgent.decide({ tool: 'crm.delete_contact' })).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });

    const stale = await readyz();
    expect(stale.status).toBe(503);
    expect(stale.body).toMatchObject({ ready: false, stale: true, notReady: { code: 'CONFIG_STALE' } });
    expect(String((stale.body['notReady'] as { reason: string }).reason)).toContain('61 s');
    const counted = await staleDenials();
    expect(counted.write - before).toBe(3);
    expect(counted.metrics).not.toContain(CLOSED);

    relay.resume();
    await waitFor('the suspension activated', () => enforcer.store.get(CLOSED)?.version === suspendedVersion);
    const killed = await agent.decide({ tool: 'crm.read_contacts' });
    expect(killed).toMatchObject({ effect: Effect.DENY, errorCode: '' });
    expect(killed.matchedRules.map((m) => m.kind)).toContain(RuleKind.KILL_SWITCH);
    expect(await openAgent.decide({ tool: 'crm.update_contact' })).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    expect(await readyz()).toMatchObject({ status: 200, body: { ready: true, stale: false } });
  });
});
