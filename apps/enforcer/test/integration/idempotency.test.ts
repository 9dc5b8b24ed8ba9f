// A retried Decide (same request_id) gets the first answer from a real enforcer: same
// decision id and receipt, one DecisionEvent, one count in the blast-radius window; a
// request_id reused for a different call is refused REQUEST_ID_REUSED. Unary and stream.
import { toBinary } from '@bufbuild/protobuf';
import { DecideResponseSchema, Effect, PolicyFormat, type DecideResponse, type DecisionEvent } from '@thoth/contracts';
import { GrpcError } from '@thoth/grpc';
import { generateSigningKey, signerFromSeed } from '@thoth/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISION_ID_HEADER, ERROR_CODE_HEADER } from '../../src/decide/decision-service.js';
import { InProcessDecisionLog } from '../../src/emit/in-process-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/enforcer.js';
import { agentClient, install, trusted } from './fixtures.js';
import { policyYaml } from '@thoth/testing/policy-yaml';

const POLICY = policyYaml('idempotency-test', 1, `limits:
  - id: one-delete
    match: {tools: ["crm.delete_*"]}
    window: {duration: 10m, maxCalls: 1}
    scope: agent
    reason: One delete per ten minutes.
`);
const T = '7e0a0000-0000-4000-8000-0000000001de';
const T_STREAM = '7e0a0000-0000-4000-8000-0000000002de';
const AGENT = { id: 'crm-agent', token: 'thoth_at_idem' };
const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (r: DecideResponse) => toBinary(DecideResponseSchema, r);

describe('idempotent Decide: a retry gets the first answer', () => {
  let enforcer: RunningEnforcer;
  let agent: ReturnType<typeof agentClient>;
  const events: DecisionEvent[] = [];
  const log = new InProcessDecisionLog({ capacity: 10_000 });
  log.subscribe((batch) => void events.push(...batch));

  beforeAll(async () => {
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-idempotency',
      listen: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: log,
    });
    const policy = { version: 1n, format: PolicyFormat.YAML, content: enc(POLICY) };
    install(enforcer.store, { tenantId: T, policy }, [AGENT]);
    install(enforcer.store, { tenantId: T_STREAM, policy }, [AGENT]);
    agent = agentClient(enforcer.address);
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 5_000 });
  });

  const call = (request: Record<string, unknown>) =>
    agent.client.decide(
      { tenantId: T, agentId: AGENT.id, tool: 'crm.delete_contact', argumentsJson: enc('{"id":42}'), ...request },
      { metadata: agent.auth(AGENT.token), deadlineMs: 10_000 },
    );
  const eventsFor = async (requestId: string, tenantId = T) => {
    await new Promise((r) => setTimeout(r, 50)); // the in-process log delivers on a later turn
    return events.filter((e) => e.requestId === requestId && e.tenantId === tenantId);
  };

  it('answers the same request twice identically, records it once, counts it once', async () => {
    const first = await call({ requestId: 'retry-1' });
    const retried = await call({ requestId: 'retry-1' });
    expect(first.effect).toBe(Effect.ALLOW);
    expect(retried.decisionId).toBe(first.decisionId);
    expect(bytes(retried)).toEqual(bytes(first));
    // The window holds one call (maxCalls 1): the retry above was not counted, a new request is.
    const retriedAgain = await call({ requestId: 'retry-1' });
    expect(retriedAgain.effect).toBe(Effect.ALLOW);
    const fresh = await call({ requestId: 'retry-2' });
    expect(fresh.effect).toBe(Effect.DENY);
    expect(fresh.matchedRules[0]?.ruleId).toBe('one-delete');
    expect(await eventsFor('retry-1')).toHaveLength(1);
    expect(await eventsFor('retry-2')).toHaveLength(1);
    expect((await enforcer.metrics.idempotentReplays.get()).values[0]?.value).toBe(2);
  });

  it('gives concurrent duplicates the first answer', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => call({ requestId: 'concurrent-1', tool: 'crm.read' })));
    expect(new Set(answers.map((a) => a.decisionId)).size).toBe(1);
    expect(await eventsFor('concurrent-1')).toHaveLength(1);
  });

  it('refuses a request_id reused with different arguments: REQUEST_ID_REUSED, recorded as a denial', async () => {
    const original = await call({ requestId: 'reuse-1', tool: 'crm.read', argumentsJson: enc('{"id":1}') });
    const error = await call({ requestId: 'reuse-1', tool: 'crm.read', argumentsJson: enc('{"id":2}') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GrpcError);
    const g = error as GrpcError;
    expect(g.code).toBe('INVALID_ARGUMENT');
    expect(g.metadata.get(ERROR_CODE_HEADER)).toEqual(['REQUEST_ID_REUSED']);
    const refusalId = String(g.metadata.get(DECISION_ID_HEADER)[0]);
    expect(refusalId).not.toBe(original.decisionId);
    const recorded = await eventsFor('reuse-1');
    expect(recorded.map((e) => [e.decisionId, e.effect, e.errorCode])).toEqual([
      [original.decisionId, Effect.ALLOW, ''],
      [refusalId, Effect.DENY, 'REQUEST_ID_REUSED'],
    ]);
  });

  it('deduplicates on DecideStream too, and across Decide and DecideStream', async () => {
    const tenantId = T_STREAM;
    const request = (requestId: string, args = '{"id":7}') => ({ requestId, tenantId, agentId: AGENT.id, tool: 'crm.delete_contact', argumentsJson: enc(args) });
    const stream = agent.client.decideStream({ metadata: agent.auth(AGENT.token), deadlineMs: 10_000 });
    await stream.send(request('s1'));
    await stream.send(request('s1'));
    await stream.send(request('s2'));
    await stream.send(request('s1', '{"id":8}'));
    stream.end();
    const answers: DecideResponse[] = [];
    for await (const a of stream) answers.push(a);
    expect(answers.map((a) => [a.requestId, a.effect, a.errorCode])).toEqual([
      ['s1', Effect.ALLOW, ''],
      ['s1', Effect.ALLOW, ''],
      ['s2', Effect.DENY, ''],
      ['s1', Effect.DENY, 'REQUEST_ID_REUSED'],
    ]);
    expect(bytes(answers[1]!)).toEqual(bytes(answers[0]!));
    const unary = await agent.client.decide(request('s1'), { metadata: agent.auth(AGENT.token), deadlineMs: 10_000 });
    expect(bytes(unary)).toEqual(bytes(answers[0]!));
    const recorded = await eventsFor('s1', tenantId);
    expect(recorded.map((e) => e.errorCode)).toEqual(['', 'REQUEST_ID_REUSED']);
  });
});
