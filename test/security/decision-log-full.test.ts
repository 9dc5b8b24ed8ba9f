// Attack: fill the decision buffer, then write unrecorded (red-team item 6). While Kafka is
// unreachable the enforcer holds decision events in a bounded buffer; an agent that fills it
// (or simply waits out an outage) used to have every further call allowed and its event dropped:
// writes with no evidence. Run against a real enforcer: snapshots pushed by a control plane's
// config stream, agents calling Decide over gRPC, the Kafka decision log pointed at a port where
// no broker answers, /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect, Outcome, RiskTier } from '../../libs/contracts/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { freePort } from '../../libs/testing/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import { agentClient, controlPlaneKey, startControlPlane, startTestEnforcer, tenantConfig, waitFor, type AgentClient, type TestControlPlane } from '../integration/enforcers/harness.js';

const BUFFER = 4;
const { signer, trusted } = controlPlaneKey();
const CLOSED = '7e0a0000-0000-4000-8000-0000000b0f01';
const OPEN = '7e0a0000-0000-4000-8000-0000000b0f02';
const AGENT = { id: 'crm-agent', token: 'thoth_at_log_full' };
const OPEN_AGENT = { id: 'crm-agent', token: 'thoth_at_log_full_open' };
const TIERS = `tiers:
  - tools: ["crm.read_*"]
    tier: read
  - tools: ["crm.update_*"]
    tier: write
`;
const policy = (name: string, extra = '') => policyYaml(name, 1, `${TIERS}${extra}`);

describe('attack: fill the decision buffer, then write with no evidence kept', () => {
  let cp: TestControlPlane;
  let enforcer: Awaited<ReturnType<typeof startTestEnforcer>>;
  let log: KafkaDecisionLog;
  const clients: AgentClient[] = [];
  const client = (tenantId: string, a: { id: string; token: string }) => {
    const c = agentClient(enforcer.address, { tenantId, agentId: a.id, token: a.token });
    clients.push(c);
    return c;
  };
  const dropped = async () => {
    const metrics = await (await fetch(`${enforcer.httpUrl}/metrics`)).text();
    return Number(/^thoth_enforcer_decision_log_dropped_total (\d+)$/m.exec(metrics)?.[1]);
  };

  beforeAll(async () => {
    cp = await startControlPlane({ signer, tokens: { thoth_et_full: { enforcerId: 'enforcer-full', tenantIds: [CLOSED, OPEN] } } });
    expect(cp.cache.setSnapshot(CLOSED, tenantConfig({ tenantId: CLOSED, policy: policy('log-full'), agents: [AGENT] })).ok).toBe(true);
    expect(cp.cache.setSnapshot(OPEN, tenantConfig({ tenantId: OPEN, policy: policy('log-full-open', 'decisionLogFull: {write: open}\n'), agents: [OPEN_AGENT] })).ok).toBe(true);
    // No broker on this port: every event stays in the buffer.
    log = new KafkaDecisionLog({ connection: { brokers: [`127.0.0.1:${await freePort()}`] }, topic: 'security.decision-log-full', bufferSize: BUFFER, maxRetryMs: 500 });
    enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-full',
      trustedKeys: trusted,
      controlPlane: { address: cp.address, token: 'thoth_et_full', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      http: { host: '127.0.0.1', port: 0 },
      decisionLog: log,
    });
    await waitFor('both tenants activated', () => enforcer.store.size === 2);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await enforcer?.stop({ drainTimeoutMs: 500 });
    await cp?.stop();
  });

  it('decision-log-full: once the buffer is full a write is denied DECISION_LOG_FULL, a read goes on, and every lost event is counted', async () => {
    const agent = client(CLOSED, AGENT);
    for (let i = 0; i < BUFFER; i++) {
      const a = await agent.decide({ tool: 'crm.read_contacts', requestId: `fill-${i}` });
      expect(a).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    }
    await waitFor('the buffer full', () => log.stats().buffered === BUFFER);
    expect(await dropped()).toBe(0);

    const write = await agent.decide({ tool: 'crm.update_contact', requestId: 'write-1' });
    expect(write).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'DECISION_LOG_FULL' });
    expect(write.receipt?.outcome).toBe(Outcome.DENY);
    expect(write.matchedRules.map((m) => m.ruleId)).toContain('enforcer.decision_log_full');

    // A caller cannot lower the tier to get through: the policy's tier (write) wins over "read".
    const disguised = await agent.decide({ tool: 'crm.update_contact', requestId: 'write-2', riskTier: RiskTier.READ });
    expect(disguised).toMatchObject({ effect: Effect.DENY, errorCode: 'DECISION_LOG_FULL' });
    // Nor for a tool the policy does not name: it is a write to the tenant, whatever its caller says.
    const unnamed = await agent.decide({ tool: 'crm.merge_contacts', requestId: 'write-3', riskTier: RiskTier.READ });
    expect(unnamed).toMatchObject({ effect: Effect.DENY, errorCode: 'DECISION_LOG_FULL' });

    const read = await agent.decide({ tool: 'crm.read_contacts', requestId: 'read-after' });
    expect(read).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });

    // Four events could not be kept (three denials, one read), and each is counted.
    await waitFor('the drops counted', async () => (await dropped()) === 4);
    expect(log.stats()).toMatchObject({ buffered: BUFFER, dropped: 4 });
  });

  it('decision-log-full: a tenant that lets writes go on (decisionLogFull.write: open) is allowed, the drop counted; a destructive call is still denied', async () => {
    const agent = client(OPEN, OPEN_AGENT);
    const before = log.stats().dropped;
    const write = await agent.decide({ tool: 'crm.update_contact', requestId: 'open-write' });
    expect(write).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    const destructive = await agent.decide({ tool: 'crm.delete_contact', requestId: 'open-delete', riskTier: RiskTier.DESTRUCTIVE });
    expect(destructive).toMatchObject({ effect: Effect.DENY, errorCode: 'DECISION_LOG_FULL' });
    expect(log.stats().dropped - before).toBe(2);
  });
});
