// Attack: stall an enforcer with a polynomial regex (red-team item 3). A tenant admin writes
// `matches()` patterns that a backtracking engine runs in polynomial time (`.*DROP.*TABLE`,
// `.*a.*a.*a.*b`); an agent of that tenant sends a 256 KiB argument built to be their worst
// case. Decisions are synchronous, so one such call would stall every tenant on the enforcer.
// Run against a real enforcer: snapshots pushed by a control plane's config stream, agents
// calling Decide over gRPC (10 s deadline), decisions to Kafka.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect, type DecideResponse } from '../../libs/contracts/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { DEFAULT_MAX_ARGUMENTS_BYTES } from '../../apps/enforcer/src/enforcer.js';
import { createTestTopics, testKafkaConnection } from '../../libs/testing/src/index.js';
import { policyYaml } from '../../libs/testing/src/policy-yaml.js';
import { agentClient, controlPlaneKey, startControlPlane, startTestEnforcer, tenantConfig, waitFor, type AgentClient, type TestControlPlane } from '../integration/enforcers/harness.js';

const HOSTILE = policyYaml('hostile-regex', 1, `rules:
  - id: no-drop-table
    match: {tools: ["db.query"]}
    effect: deny
    when: 'has(args.sql) && args.sql.matches(".*DROP.*TABLE")'
    reason: No DROP TABLE through the agent.
  - id: three-a-then-b
    match: {tools: ["db.query"]}
    effect: deny
    when: 'has(args.text) && args.text.matches(".*a.*a.*a.*b")'
`);
const ORDINARY = policyYaml('ordinary', 1, `rules:
  - id: no-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
`);

const { signer, trusted } = controlPlaneKey();
const HOSTILE_TENANT = '7e0a0000-0000-4000-8000-00000000ae01';
const NEIGHBOUR_TENANT = '7e0a0000-0000-4000-8000-00000000ae02';
const ATTACKER = { id: 'sql-agent', token: 'thoth_at_regex_attacker' };
const NEIGHBOUR = { id: 'crm-agent', token: 'thoth_at_regex_neighbour' };

/** The enforcer's largest argument: 256 KiB. */
const ARGUMENT_BYTES = DEFAULT_MAX_ARGUMENTS_BYTES;

/** `{"<field>":"<head><unit…><tail>"}`, exactly ARGUMENT_BYTES long. */
function argument(field: string, head: string, unit: string, tail = ''): Uint8Array {
  const room = ARGUMENT_BYTES - `{"${field}":""}`.length - head.length - tail.length;
  const text = `${head}${unit.repeat(Math.ceil(room / unit.length)).slice(0, room)}${tail}`;
  const json = new TextEncoder().encode(JSON.stringify({ [field]: text }));
  expect(json.length).toBe(ARGUMENT_BYTES);
  return json;
}

/**
 * Answered on its merits, or — where the match outlasted the decision's evaluation budget (a
 * loaded machine) — denied by the tenant's fail mode (closed) with the budget named: either way
 * answered, not stalled.
 */
function decided(answer: DecideResponse, expected: { effect: Effect; ruleId?: string }): void {
  if (answer.errorCode === 'EVALUATION_ERROR' && answer.errorMessage.includes('budget')) {
    expect(answer.effect).toBe(Effect.DENY);
    return;
  }
  expect(answer.errorCode).toBe('');
  expect(answer.effect).toBe(expected.effect);
  const rules = answer.matchedRules.map((m) => m.ruleId);
  if (expected.ruleId !== undefined) expect(rules).toContain(expected.ruleId);
  else for (const id of ['no-drop-table', 'three-a-then-b']) expect(rules).not.toContain(id);
}

describe('attack: stall the enforcer with a polynomial regex on a 256 KiB argument', () => {
  let cp: TestControlPlane;
  let enforcer: Awaited<ReturnType<typeof startTestEnforcer>>;
  let attacker: AgentClient;
  let neighbour: AgentClient;

  beforeAll(async () => {
    const [topic] = (await createTestTopics([{ name: 'security.regex-stall' }])) as [string];
    cp = await startControlPlane({ signer, tokens: { thoth_et_regex: { enforcerId: 'enforcer-regex', tenantIds: [HOSTILE_TENANT, NEIGHBOUR_TENANT] } } });
    expect(cp.cache.setSnapshot(HOSTILE_TENANT, tenantConfig({ tenantId: HOSTILE_TENANT, policy: HOSTILE, agents: [ATTACKER] })).ok).toBe(true);
    expect(cp.cache.setSnapshot(NEIGHBOUR_TENANT, tenantConfig({ tenantId: NEIGHBOUR_TENANT, policy: ORDINARY, agents: [NEIGHBOUR] })).ok).toBe(true);
    enforcer = await startTestEnforcer({
      enforcerId: 'enforcer-regex',
      trustedKeys: trusted,
      controlPlane: { address: cp.address, token: 'thoth_et_regex', heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 1_000 }),
    });
    await waitFor('both tenants activated', () => enforcer.store.size === 2);
    attacker = agentClient(enforcer.address, { tenantId: HOSTILE_TENANT, agentId: ATTACKER.id, token: ATTACKER.token });
    neighbour = agentClient(enforcer.address, { tenantId: NEIGHBOUR_TENANT, agentId: NEIGHBOUR.id, token: NEIGHBOUR.token });
  });

  afterAll(async () => {
    attacker?.close();
    neighbour?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
    await cp?.stop();
  });

  const query = (argumentsJson: Uint8Array) => attacker.decide({ tool: 'db.query', argumentsJson });
  const neighbourRead = () => neighbour.decide({ tool: 'crm.read_contacts' });

  it('regex-polynomial-stall: worst-case arguments for .*DROP.*TABLE and .*a.*a.*a.*b are decided, and the next tenant right after', async () => {
    // `TABLE` first, then `DROP ` to the end: a backtracking engine tries every DROP against every later position.
    decided(await query(argument('sql', 'TABLE ', 'DROP ')), { effect: Effect.ALLOW });
    expect((await neighbourRead()).effect).toBe(Effect.ALLOW);

    // One `b`, then `a` to the end: four nested scans for a backtracking engine.
    decided(await query(argument('text', 'b', 'a')), { effect: Effect.ALLOW });
    expect((await neighbourRead()).effect).toBe(Effect.ALLOW);
  });

  it('regex-polynomial-stall: a 256 KiB argument that does hold DROP … TABLE at its very end is denied by the rule', async () => {
    decided(await query(argument('sql', '', 'DROP ', ' TABLE')), { effect: Effect.DENY, ruleId: 'no-drop-table' });
    expect((await neighbourRead()).effect).toBe(Effect.ALLOW);
  });
});
