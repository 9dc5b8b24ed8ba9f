// Attack: turn a denial into an allow with a CEL error (red-team item 2). A compromised agent of a
// tenant that fails open sends arguments that make one rule's condition throw
// (`{"amount":"x"}` against `args.amount > 1000`), hoping the failure opens the whole decision —
// over an enforced freeze, a revoked credential, a limit — and claims `read` about a delete the
// tenant's policy calls destructive. Run against a real enforcer: snapshots pushed by a control
// plane's config stream, agents calling Decide over gRPC, decisions read back from Kafka.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect, FailMode, Outcome, RevocationReason, RiskTier, type DecideResponse } from '../../libs/contracts/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { createTestTopics, testKafkaConnection } from '../../libs/testing/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import { agentClient, controlPlaneKey, startControlPlane, startTestEnforcer, tenantConfig, waitFor, type AgentClient, type TestControlPlane } from '../integration/enforcers/harness.js';
import { consumeDecisions } from './support/decisions-on-kafka.js';

const POLICY = policyYaml('cel-error-fail-open', 1, `rules:
  - id: large-amounts
    match: {tools: ["*"]}
    when: args.amount > 1000
    effect: deny
    reason: Large amounts need a human.
freezes:
  - id: books-closed
    match: {tools: ["ledger.*"]}
    ranges: [{start: "2000-01-01T00:00:00Z", end: "2100-01-01T00:00:00Z"}]
    reason: The books are closed.
limits:
  - id: one-transfer
    match: {tools: ["payments.transfer"]}
    window: {duration: 10m, maxCalls: 1}
tiers:
  - tools: ["crm.delete_*"]
    tier: destructive
`);

const { signer, trusted } = controlPlaneKey();
const TENANT = '7e0a0000-0000-4000-8000-0000000ce1e0';
const AGENT = { id: 'crm-agent', token: 'thoth_at_cel_error' };
const REVOKED = 'ab'.repeat(32);
const POISON = new TextEncoder().encode('{"amount":"x"}');

describe('attack: a CEL error flips a denial to allow when the tenant fails open', () => {
  let cp: TestControlPlane;
  let topic: string;
  let enforcer: Awaited<ReturnType<typeof startTestEnforcer>>;
  let agent: AgentClient;
  const answers: DecideResponse[] = [];
  const decide = async (request: Parameters<AgentClient['decide']>[0]) => {
    const answer = await agent.decide({ argumentsJson: POISON, ...request });
    answers.push(answer);
    return answer;
  };
  const ruleIds = (a: DecideResponse) => a.matchedRules.map((m) => m.ruleId);

  beforeAll(async () => {
    [topic] = (await createTestTopics([{ name: 'security.cel-error-fail-open' }])) as [string];
    cp = await startControlPlane({ signer, tokens: { thoth_et_cel: { enforcerId: 'enforcer-cel', tenantIds: [TENANT] } } });
    const config = tenantConfig({ tenantId: TENANT, policy: POLICY, agents: [AGENT], failMode: FailMode.OPEN });
    const revokedCredentials = [{ credentialId: 'c1', credentialFingerprint: REVOKED, reason: RevocationReason.REVOKED, since: { seconds: 1_704_067_200n, nanos: 0 } }];
    expect(cp.cache.setSnapshot(TENANT, { ...config, revokedCredentials } as typeof config).ok).toBe(true);
    enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-cel',
      trustedKeys: trusted,
      controlPlane: { address: cp.address, token: 'thoth_et_cel', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
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

  it('cel-error-fail-open: the failing rule alone fails open (a recorded would-deny, the error kept)', async () => {
    const a = await decide({ tool: 'crm.update_contact' });
    expect(a).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'EVALUATION_ERROR' });
    expect(a.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    expect(a.errorMessage).toContain('large-amounts');
    expect(a.matchedRules.find((m) => m.ruleId === 'large-amounts')?.reason).toContain('fail open');
  });

  it('cel-error-fail-open: an enforced freeze still denies', async () => {
    const a = await decide({ tool: 'ledger.post_entry' });
    expect(a).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'EVALUATION_ERROR' });
    expect(ruleIds(a)).toContain('books-closed');
    expect(a.receipt?.outcome).toBe(Outcome.DENY);
  });

  it('cel-error-fail-open: a revoked credential still denies', async () => {
    const a = await decide({ tool: 'crm.update_contact', credentialFingerprint: REVOKED });
    expect(a).toMatchObject({ effect: Effect.DENY, shadow: false });
    expect(ruleIds(a)).toContain(`credential:${REVOKED}`);
  });

  it('cel-error-fail-open: a limit still denies', async () => {
    expect((await decide({ tool: 'payments.transfer', argumentsJson: new TextEncoder().encode('{"amount":5}') })).effect).toBe(Effect.ALLOW);
    const a = await decide({ tool: 'payments.transfer' });
    expect(a).toMatchObject({ effect: Effect.DENY, shadow: false });
    expect(ruleIds(a)).toContain('one-transfer');
  });

  it('cel-error-fail-open: a destructive call (tier from the policy, the caller claiming read) whose rule errors is denied, its tier recorded', async () => {
    const a = await decide({ tool: 'crm.delete_records', riskTier: RiskTier.READ });
    expect(a).toMatchObject({ effect: Effect.DENY, shadow: false, errorCode: 'EVALUATION_ERROR' });
    expect(a.receipt?.outcome).toBe(Outcome.DENY);
    expect(a.matchedRules.find((m) => m.ruleId === 'large-amounts')?.reason).toContain('fail closed');

    const events = await consumeDecisions(topic, (seen) => answers.every((x) => seen.some((e) => e.decisionId === x.decisionId)));
    const event = events.find((e) => e.decisionId === a.decisionId)!;
    expect(event).toMatchObject({ effect: Effect.DENY, errorCode: 'EVALUATION_ERROR', riskTier: RiskTier.DESTRUCTIVE });
    expect(events.find((e) => e.decisionId === answers[0]!.decisionId)).toMatchObject({ effect: Effect.ALLOW, shadow: true, riskTier: RiskTier.WRITE });
  });
});
