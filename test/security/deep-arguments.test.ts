// Attack: stall an enforcer with deeply nested arguments (a finding beyond the red-team list). An
// authenticated agent chooses its arguments; 256 KiB of `[` brackets is within the size limit,
// and JSON.parse spends about fifty times longer on it than on flat text of the same size, on the
// thread that decides for every tenant of the enforcer. Run against a real enforcer: snapshots
// pushed by a control plane's config stream, Decide over gRPC, decisions to Kafka.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect, MAX_ARGUMENTS_DEPTH } from '../../libs/contracts/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { createTestTopics, testKafkaConnection } from '../../libs/testing/src/index.js';
import { agentClient, controlPlaneKey, POLICY_V1, startControlPlane, startTestEnforcer, tenantConfig, waitFor, type AgentClient, type TestControlPlane } from '../integration/enforcers/harness.js';
import { consumeDecisions } from './support/decisions-on-kafka.js';

const { signer, trusted } = controlPlaneKey();
const TENANT = '7e0a0000-0000-4000-8000-00000000de01';
const AGENT = { id: 'crm-agent', token: 'thoth_at_deep' };
const enc = (s: string) => new TextEncoder().encode(s);
/** `depth` levels of objects and arrays, alternating, around one number. */
const nested = (depth: number) => enc(`${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`);

describe('attack: stall the enforcer with deeply nested arguments', () => {
  let cp: TestControlPlane;
  let topic: string;
  let enforcer: Awaited<ReturnType<typeof startTestEnforcer>>;
  let agent: AgentClient;

  beforeAll(async () => {
    [topic] = (await createTestTopics([{ name: 'security.deep-arguments' }])) as [string];
    cp = await startControlPlane({ signer, tokens: { thoth_et_deep: { enforcerId: 'enforcer-deep', tenantIds: [TENANT] } } });
    expect(cp.cache.setSnapshot(TENANT, tenantConfig({ tenantId: TENANT, policy: POLICY_V1, agents: [AGENT] })).ok).toBe(true);
    enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-deep',
      trustedKeys: trusted,
      controlPlane: { address: cp.address, token: 'thoth_et_deep', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 1_000 }),
    });
    await waitFor('the tenant activated', () => enforcer.store.size === 1);
    agent = agentClient(enforcer.address, { tenantId: TENANT, agentId: AGENT.id, token: AGENT.token });
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.stop();
  });

  it('deep-arguments: 128k levels are refused before they are parsed, recorded as the agent\'s denial; the nesting real tools use is decided', async () => {
    const attack = await agent.decide({ tool: 'crm.read_contacts', requestId: 'deep', argumentsJson: enc(`${'['.repeat(128 * 1024)}${']'.repeat(128 * 1024)}`) }).then(
      () => undefined,
      (e: { code: number; metadata: { get(k: string): unknown[] } }) => e,
    );
    expect(attack?.metadata.get('thoth-error-code')).toEqual(['ARGUMENTS_TOO_DEEP']);
    const decisionId = attack?.metadata.get('thoth-decision-id')[0] as string;
    expect(decisionId).toMatch(/^[0-9a-f-]{36}$/);

    const atLimit = await agent.decide({ tool: 'crm.read_contacts', requestId: 'fine', argumentsJson: nested(MAX_ARGUMENTS_DEPTH) });
    expect(atLimit).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });

    // The refusal is a decision about an authenticated agent: recorded once, with its stable code.
    const events = await consumeDecisions(topic, (seen) => seen.some((e) => e.decisionId === decisionId) && seen.some((e) => e.decisionId === atLimit.decisionId));
    expect(events.filter((e) => e.decisionId === decisionId)).toEqual([expect.objectContaining({ tenantId: TENANT, agentId: AGENT.id, effect: Effect.DENY, errorCode: 'ARGUMENTS_TOO_DEEP' })]);
  });
});
