// Attack: evict your own blast-radius counter (red-team item 5). An agent makes the deletes its
// limit allows, then floods the enforcer with calls whose resource, tool and credential strings
// are all new, so that each creates window keys, hoping the window state drops its delete
// counter to make room; then it deletes again. Run against a real enforcer: snapshots pushed by
// a control plane's config stream, agents calling Decide over gRPC, decisions to Kafka, /metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect, FailMode, Outcome, type DecideResponse } from '../../libs/contracts/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { createTestTopics, testKafkaConnection } from '../../libs/testing/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import {
  agentClient,
  controlPlaneKey,
  startControlPlane,
  startTestEnforcer,
  tenantConfig,
  waitFor,
  type AgentClient,
  type TestControlPlane,
} from '../integration/enforcers/harness.js';
import { consumeDecisions } from './support/decisions-on-kafka.js';

const DELETES = 5;
const POLICY = policyYaml('counter-eviction', 1, `limits:
  - id: deletes-per-agent
    match: {tools: ["crm.delete_*"]}
    scope: agent
    window: {duration: 10m, maxCalls: ${DELETES}}
    reason: A handful of deletes per ten minutes.
  - id: reads-per-resource
    match: {tools: ["crm.read*"]}
    scope: agent_resource
    window: {duration: 10m, maxCalls: 1000}
  - id: calls-per-tool
    match: {tools: ["crm.read*"]}
    scope: agent_tool
    window: {duration: 10m, maxCalls: 1000}
  - id: reads-per-credential
    match: {tools: ["crm.read*"]}
    scope: credential
    window: {duration: 10m, maxCalls: 1000}
`);

// Small bounds so the flood stays short; the attack is the same at 100,000 keys.
const MAX_KEYS = 3_000;
const PER_TENANT = 1_500;
const PER_AGENT = 300;
// Each flood call brings three new keys (resource, tool, credential): enough to overflow the
// whole enforcer, as the unfixed window state needed to evict the delete counter.
const FLOOD = Math.ceil(MAX_KEYS / 3) + 100;

const { signer, trusted } = controlPlaneKey();
const CLOSED = '7e0a0000-0000-4000-8000-00000000ce01';
const OPEN = '7e0a0000-0000-4000-8000-00000000ce02';
const OTHER = '7e0a0000-0000-4000-8000-00000000ce03';
const ATTACKER = { id: 'crm-agent', token: 'thoth_at_attacker' };
const COLLEAGUE = { id: 'billing-agent', token: 'thoth_at_colleague' };
const NEIGHBOUR = { id: 'crm-agent', token: 'thoth_at_neighbour' };
const OPEN_ATTACKER = { id: 'crm-agent', token: 'thoth_at_open_attacker' };
const enc = (s: string) => new TextEncoder().encode(s);
const EXHAUSTED = 'WINDOW_KEYS_EXHAUSTED';

describe('attack: evict a blast-radius counter by flooding the window state with new keys', () => {
  let cp: TestControlPlane;
  let topic: string;
  let enforcer: Awaited<ReturnType<typeof startTestEnforcer>>;
  const clients: AgentClient[] = [];
  const client = (tenantId: string, agent: { id: string; token: string }) => {
    const c = agentClient(enforcer.address, { tenantId, agentId: agent.id, token: agent.token });
    clients.push(c);
    return c;
  };

  /** Distinct resource, tool and credential strings per call, `n` calls, 50 at a time. */
  async function flood(c: AgentClient, tag: string, n: number): Promise<DecideResponse[]> {
    const answers: DecideResponse[] = [];
    for (let i = 0; i < n; i += 50) {
      const batch = Array.from({ length: Math.min(50, n - i) }, (_, j) => {
        const k = `${tag}-${i + j}`;
        return c.decide({ tool: `crm.read_${k}`, resource: `contacts/${k}`, credentialFingerprint: `sha256:${k}`, argumentsJson: enc('{}') });
      });
      answers.push(...(await Promise.all(batch)));
    }
    return answers;
  }
  const del = (c: AgentClient, i: number) => c.decide({ tool: 'crm.delete_contact', resource: 'contacts', requestId: `delete-${i}`, argumentsJson: enc(`{"id":${i}}`) });
  const exhausted = (answers: DecideResponse[]) => answers.filter((a) => a.errorCode === EXHAUSTED);

  beforeAll(async () => {
    [topic] = (await createTestTopics([{ name: 'security.counter-eviction' }])) as [string];
    cp = await startControlPlane({ signer, tokens: { thoth_et_sec: { enforcerId: 'enforcer-sec', tenantIds: [CLOSED, OPEN, OTHER] } } });
    for (const [tenantId, agents, failMode] of [
      [CLOSED, [ATTACKER, COLLEAGUE], FailMode.CLOSED],
      [OPEN, [OPEN_ATTACKER], FailMode.OPEN],
      [OTHER, [NEIGHBOUR], FailMode.CLOSED],
    ] as const) {
      expect(cp.cache.setSnapshot(tenantId, tenantConfig({ tenantId, policy: POLICY, agents, failMode })).ok).toBe(true);
    }
    enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-sec',
      trustedKeys: trusted,
      controlPlane: { address: cp.address, token: 'thoth_et_sec', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      http: { host: '127.0.0.1', port: 0 },
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 20_000 }),
      windowMaxKeys: MAX_KEYS,
      windowMaxKeysPerTenant: PER_TENANT,
      windowMaxKeysPerAgent: PER_AGENT,
    });
    await waitFor('three tenants activated', () => enforcer.store.size === 3);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.stop();
  });

  it('counter-eviction: the delete limit still holds after the flood; the flood beyond the agent quota is denied (fail closed) and counted', async () => {
    const attacker = client(CLOSED, ATTACKER);
    for (let i = 0; i < DELETES; i++) expect((await del(attacker, i)).effect).toBe(Effect.ALLOW);

    const answers = await flood(attacker, 'a', FLOOD);
    // The counter survived the flood: the next delete is the limit's 6th call in the window.
    const after = await del(attacker, DELETES);
    expect(after.effect).toBe(Effect.DENY);
    expect(after.matchedRules.map((m) => m.ruleId)).toContain('deletes-per-agent');
    expect(after.matchedRules.find((m) => m.ruleId === 'deletes-per-agent')?.reason).toContain(`call ${DELETES + 1} within 10m`);

    // Never more keys than the agent's quota: the rest of the flood could not be counted, and
    // the tenant fails closed.
    const refused = exhausted(answers);
    expect(refused.length).toBeGreaterThan(FLOOD - PER_AGENT);
    for (const a of refused) {
      expect(a.effect).toBe(Effect.DENY);
      expect(a.matchedRules.map((m) => m.ruleId)).toContain('enforcer.window_keys_exhausted');
    }
    expect(enforcer.state.stats().liveKeys).toBeLessThanOrEqual(PER_AGENT);

    // Counted on /metrics, without a tenant label.
    const metrics = await (await fetch(`${enforcer.httpUrl}/metrics`)).text();
    const untracked = metrics.split('\n').filter((l) => l.startsWith('thoth_enforcer_window_untracked_calls_total'));
    expect(untracked).toContain(`thoth_enforcer_window_untracked_calls_total{quota="agent"} ${refused.length}`);
    expect(untracked.join('\n')).not.toContain('tenant=');
    expect(metrics).toContain(`thoth_enforcer_decisions_total{outcome="deny",error_code="${EXHAUSTED}"} ${refused.length}`);

    // Recorded in the decision stream like any other denial, with its stable code.
    const events = await consumeDecisions(topic, (seen) => seen.some((e) => e.decisionId === after.decisionId) && seen.some((e) => e.decisionId === refused.at(-1)!.decisionId));
    const flooded = events.find((e) => e.decisionId === refused.at(-1)!.decisionId)!;
    expect(flooded).toMatchObject({ tenantId: CLOSED, agentId: ATTACKER.id, effect: Effect.DENY, errorCode: EXHAUSTED });
    expect(flooded.receipt?.outcome).toBe(Outcome.DENY);
    expect(events.find((e) => e.decisionId === after.decisionId)).toMatchObject({ effect: Effect.DENY });
  });

  it('counter-eviction: the flooding agent starves neither another agent of its tenant nor another tenant', async () => {
    const colleague = client(CLOSED, COLLEAGUE);
    const neighbour = client(OTHER, NEIGHBOUR);
    for (const c of [colleague, neighbour]) {
      expect((await del(c, 0)).effect).toBe(Effect.ALLOW);
      const answers = await flood(c, 'legit', 60);
      expect(answers.every((a) => a.effect === Effect.ALLOW && a.errorCode === '')).toBe(true);
    }
  });

  it('counter-eviction: a tenant that fails open lets an uncountable call through as a would-deny, counted', async () => {
    const before = enforcer.state.stats().liveKeys;
    const answers = await flood(client(OPEN, OPEN_ATTACKER), 'o', 200);
    const refused = exhausted(answers);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) {
      expect(a).toMatchObject({ effect: Effect.ALLOW, shadow: true });
      expect(a.receipt?.outcome).toBe(Outcome.WOULD_DENY);
      expect(a.matchedRules.map((m) => m.ruleId)).toEqual(expect.arrayContaining(['enforcer.window_keys_exhausted', 'enforcer.fail_open']));
    }
    expect(enforcer.state.stats().liveKeys - before).toBeLessThanOrEqual(PER_AGENT);
  });
});
