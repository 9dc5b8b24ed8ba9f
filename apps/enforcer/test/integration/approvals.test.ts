// Approvals at a real enforcer (docs/approvals.md), against a control plane double served over
// real gRPC (ConfigDistribution: the config stream, ConsumeApproval, GetApprovalStatus), until the
// control plane's side lands: a held call is an approval request, signed; a call presenting the
// approval is let through only when the control plane uses it for this exact call (the binding the
// enforcer sends is checked field by field); every other answer, or none in time, denies it.
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  ApprovalStatus_State,
  ApprovalStatusSchema,
  ApprovalStep_Kind,
  ConfigDistribution,
  ConsumeApprovalResponse_Result as Result,
  DecideResponseSchema,
  Effect,
  Outcome,
  PolicyFormat,
  RuleKind,
  TenantMode,
  type ApprovalStatus,
  type ApprovalStatusRequest,
  type ConsumeApprovalRequest,
  type ConsumeApprovalResponse,
  type DecideRequest,
  type DecideResponse,
  type DecisionEvent,
} from '@thoth/contracts';
import { addService, GrpcError } from '@thoth/grpc';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, verifyDecisionEvent } from '@thoth/snapshot';
import { policyYaml } from '@thoth/testing/policy-yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_CODE_HEADER } from '../../src/decide/decision-service.js';
import { InProcessDecisionLog } from '../../src/emit/in-process-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/enforcer.js';
import { agentClient, install, sha256Hex, trusted } from './fixtures.js';

// The most evaluation time a policy may give (1s): on a loaded machine a cut budget would deny calls (EVALUATION_ERROR).
const POLICY = policyYaml('approvals-test', 3, `evaluation: {budget: 1s}
rules:
  - id: big-refunds
    match: {tools: ["payments.refund"]}
    when: 'args.amount > 500'
    effect: approve
    approval: {expiresIn: 30m}
  - id: no-drops
    match: {tools: ["db.drop*"]}
    effect: deny
`);
const T = '7e0a0000-0000-4000-8000-00000000a991';
const T_SHADOW = '7e0a0000-0000-4000-8000-00000000a992';
const AGENT = { id: 'billing-agent', token: 'thoth_at_approvals' };
const OTHER = { id: 'other-agent', token: 'thoth_at_other' };
const ENFORCER_TOKEN = 'thoth_et_approvals-test';
const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (r: DecideResponse) => toBinary(DecideResponseSchema, r);
const REFUND = '{"amount":900,"order":"o-1"}';

/** An approval request as the control plane double holds it: learned from the enforcer's signed request event. */
interface HeldRequest {
  binding: Omit<ConsumeApprovalRequest, '$typeName' | 'enforcerId' | 'approvalId' | 'decisionId'>;
  state: 'pending' | 'approved' | 'rejected' | 'expired' | 'used';
  decidedBy: string;
  expiresAt: number;
}

/**
 * ConfigDistribution as the control plane serves it, reduced to what the enforcer calls: a config
 * stream that only answers heartbeats, ConsumeApproval comparing the binding and using an approved
 * request once, GetApprovalStatus for the agent's own requests. `hang` answers nothing for an id.
 */
class ControlPlaneDouble {
  readonly server = new Server();
  readonly requests = new Map<string, HeldRequest>();
  readonly consumed: { request: ConsumeApprovalRequest; authorization: string | undefined }[] = [];
  readonly statusAsked: ApprovalStatusRequest[] = [];
  readonly hang = new Set<string>();
  /** Answers a result this enforcer does not know (a newer control plane). */
  readonly unknownResult = new Set<string>();
  address = '';

  async start(): Promise<void> {
    addService(this.server, ConfigDistribution, {
      subscribe: (requests) => heartbeats(requests),
      leaseBudget: () => Promise.reject(new GrpcError('UNIMPLEMENTED', 'no strict limits here')),
      consumeApproval: (request, context) => {
        this.consumed.push({ request, authorization: context.metadata.get('authorization')[0] as string | undefined });
        if (this.hang.has(request.approvalId)) return new Promise<never>(() => {});
        return Promise.resolve(this.#consume(request));
      },
      getApprovalStatus: (request) => {
        this.statusAsked.push(request);
        const held = this.requests.get(request.approvalId);
        if (held === undefined || held.binding.agentId !== request.agentId || held.binding.tenantId !== request.tenantId) {
          return Promise.reject(new GrpcError('NOT_FOUND', 'no such approval request'));
        }
        const state = { pending: ApprovalStatus_State.PENDING, approved: ApprovalStatus_State.APPROVED, rejected: ApprovalStatus_State.REJECTED, expired: ApprovalStatus_State.EXPIRED, used: ApprovalStatus_State.USED }[held.state];
        return Promise.resolve(create(ApprovalStatusSchema, { approvalId: request.approvalId, state, decidedBy: held.decidedBy, expiresAt: timestampFromMs(held.expiresAt) }));
      },
    });
    const port = await new Promise<number>((resolve, reject) => this.server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    this.address = `127.0.0.1:${port}`;
  }

  /** Learns a request from its KIND_REQUESTED event, as the control plane does from the decision stream. */
  learn(event: DecisionEvent, state: HeldRequest['state'] = 'pending', decidedBy = ''): string {
    const step = event.approval!;
    this.requests.set(step.requestId, {
      binding: { tenantId: event.tenantId, agentId: event.agentId, tool: event.tool, argumentsDigest: event.argumentsDigest, resource: event.resource, credentialFingerprint: event.credentialFingerprint },
      state,
      decidedBy,
      expiresAt: timestampMs(step.expiresAt!),
    });
    return step.requestId;
  }

  #consume(r: ConsumeApprovalRequest): ConsumeApprovalResponse {
    const answer = (result: Result, held?: HeldRequest): ConsumeApprovalResponse => ({
      $typeName: 'thoth.config.v1.ConsumeApprovalResponse',
      result,
      decidedBy: held?.decidedBy ?? '',
      ...(held ? { expiresAt: timestampFromMs(held.expiresAt) } : {}),
    });
    if (this.unknownResult.has(r.approvalId)) return answer(99 as Result);
    const held = this.requests.get(r.approvalId);
    if (held === undefined || held.binding.tenantId !== r.tenantId || held.binding.agentId !== r.agentId) return answer(Result.NOT_FOUND);
    if (held.state === 'pending') return answer(Result.PENDING, held);
    if (held.state === 'rejected') return answer(Result.REJECTED, held);
    if (held.state === 'expired') return answer(Result.EXPIRED, held);
    if (held.state === 'used') return answer(Result.ALREADY_USED, held);
    const b = held.binding;
    if (b.tool !== r.tool || b.argumentsDigest !== r.argumentsDigest || b.resource !== r.resource || b.credentialFingerprint !== r.credentialFingerprint) return answer(Result.MISMATCH, held);
    held.state = 'used';
    return answer(Result.USED, held);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

/** The config stream's control plane side: a heartbeat for every message, no snapshot (the tests install them). */
async function* heartbeats(requests: AsyncIterable<unknown>) {
  for await (const _ of requests) yield { kind: { case: 'heartbeat' as const, value: { sentAt: timestampFromMs(Date.now()) } } };
}

describe('approvals at the enforcer', () => {
  const cp = new ControlPlaneDouble();
  const signer = signerFromSeed(generateSigningKey());
  const receiptKeys = keyring([verifierFromPublicKey(signer.publicKey)]);
  const events: DecisionEvent[] = [];
  const log = new InProcessDecisionLog({ capacity: 10_000 });
  log.subscribe((batch) => void events.push(...batch));
  let enforcer: RunningEnforcer;
  let agent: ReturnType<typeof agentClient>;
  let other: ReturnType<typeof agentClient>;

  beforeAll(async () => {
    await cp.start();
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-approvals',
      listen: { host: '127.0.0.1', port: 0 },
      controlPlane: { address: cp.address, token: ENFORCER_TOKEN, tenantIds: [] },
      trustedKeys: trusted,
      signer,
      decisionLog: log,
      approvalTimeoutMs: 300,
      refusalsPerPeerPerMinute: 1_000,
    });
    const policy = { version: 3n, format: PolicyFormat.YAML, content: enc(POLICY) };
    install(enforcer.store, { tenantId: T, policy, retainArguments: false }, [AGENT, OTHER]);
    install(enforcer.store, { tenantId: T_SHADOW, policy, mode: TenantMode.SHADOW }, [AGENT]);
    agent = agentClient(enforcer.address);
    other = agentClient(enforcer.address);
  });

  afterAll(async () => {
    agent?.close();
    other?.close();
    await enforcer?.stop({ drainTimeoutMs: 5_000 });
    await cp.stop();
  });

  beforeEach(() => {
    cp.consumed.length = 0;
  });

  const decide = (request: Partial<Omit<DecideRequest, '$typeName'>>, token = AGENT.token, client = agent) =>
    client.client.decide(
      { tenantId: T, agentId: AGENT.id, tool: 'payments.refund', argumentsJson: enc(REFUND), resource: 'orders/o-1', credentialFingerprint: 'ab'.repeat(32), ...request },
      { metadata: client.auth(token), deadlineMs: 10_000 },
    );
  const eventOf = async (decisionId: string): Promise<DecisionEvent> => {
    // The in-process log delivers on a later turn; a loaded machine may take a while.
    for (let i = 0; i < 1_000; i++) {
      const e = events.find((x) => x.decisionId === decisionId);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no event for ${decisionId}`);
  };
  /** A call held for approval: the request, learned by the double. */
  const requestApproval = async (state: HeldRequest['state'] = 'pending', decidedBy = '', request: Partial<Omit<DecideRequest, '$typeName'>> = {}) => {
    const held = await decide(request);
    expect(held.effect).toBe(Effect.REQUIRE_APPROVAL);
    return cp.learn(await eventOf(held.decisionId), state, decidedBy);
  };

  it('holds a call the policy asks approval for: the signed decision is the approval request, arguments kept whatever the retention', async () => {
    const held = await decide({ requestId: 'held-1' });
    expect(held).toMatchObject({ effect: Effect.REQUIRE_APPROVAL, shadow: false, errorCode: '' });
    expect(held.receipt?.outcome).toBe(Outcome.APPROVAL_REQUIRED);
    expect(held.matchedRules.map((m) => [m.ruleId, m.effect])).toEqual([['big-refunds', 'approve']]);
    const event = await eventOf(held.decisionId);
    expect(event.effect).toBe(Effect.REQUIRE_APPROVAL);
    expect(event.approval).toMatchObject({ kind: ApprovalStep_Kind.REQUESTED, requestId: held.decisionId, ruleIds: ['big-refunds'], decidedBy: '' });
    // Expires 30 minutes (the rule's approval.expiresIn) after the decision, as the response says.
    expect(timestampMs(event.approval!.expiresAt!) - timestampMs(event.decidedAt!)).toBe(30 * 60_000);
    expect(held.approvalExpiresAt).toEqual(event.approval!.expiresAt);
    expect(new TextDecoder().decode(event.retainedArgumentsJson)).toBe(REFUND);
    // The receipt (version 3) covers the whole event: the step and the arguments are signed.
    expect(verifyDecisionEvent(event, receiptKeys)).toMatchObject({ ok: true, coverage: 'event' });
    expect(verifyDecisionEvent({ ...event, approval: { ...event.approval!, ruleIds: [] } }, receiptKeys)).toMatchObject({ ok: false });
    expect(verifyDecisionEvent({ ...event, retainedArgumentsJson: enc('{"amount":1}') }, receiptKeys)).toMatchObject({ ok: false });
    // An ordinary call of that tenant keeps no arguments.
    const small = await decide({ argumentsJson: enc('{"amount":5}') });
    expect(small.effect).toBe(Effect.ALLOW);
    expect((await eventOf(small.decisionId)).retainedArgumentsJson).toHaveLength(0);
    expect((await eventOf(small.decisionId)).approval).toBeUndefined();
  });

  it('lets the approved call through once, naming who approved it; the approval cannot be used again', async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    const allowed = await decide({ approvalId: id, requestId: 'present-1' });
    expect(allowed).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    expect(allowed.receipt?.outcome).toBe(Outcome.ALLOW);
    const used = allowed.matchedRules.find((m) => m.ruleId === `approval:${id}`);
    expect(used).toMatchObject({ kind: RuleKind.APPROVAL, effect: 'allow' });
    expect(used?.reason).toContain('user:alice@example.com');
    const event = await eventOf(allowed.decisionId);
    expect(event.approval).toMatchObject({ kind: ApprovalStep_Kind.USED, requestId: id, decidedBy: 'user:alice@example.com' });
    expect(verifyDecisionEvent(event, receiptKeys)).toMatchObject({ ok: true, coverage: 'event' });
    // The binding sent is the exact call, with the decision that answers it, on the enforcer's credentials.
    expect(cp.consumed).toHaveLength(1);
    const [{ request, authorization }] = cp.consumed as [(typeof cp.consumed)[number]];
    expect(authorization).toBe(`Bearer ${ENFORCER_TOKEN}`);
    expect(request).toMatchObject({
      enforcerId: 'enforcer-approvals',
      tenantId: T,
      agentId: AGENT.id,
      approvalId: id,
      tool: 'payments.refund',
      argumentsDigest: sha256Hex(REFUND),
      resource: 'orders/o-1',
      credentialFingerprint: 'ab'.repeat(32),
      decisionId: allowed.decisionId,
    });
    const again = await decide({ approvalId: id, requestId: 'present-2' });
    expect(again).toMatchObject({ effect: Effect.DENY, errorCode: 'APPROVAL_USED' });
    expect((await eventOf(again.decisionId)).approval).toMatchObject({ kind: ApprovalStep_Kind.REFUSED, requestId: id });
  });

  it('sends the digest of the arguments as presented: a changed argument is another call (APPROVAL_MISMATCH)', async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    const changed = '{"amount":900,"order":"o-2"}';
    const denied = await decide({ approvalId: id, argumentsJson: enc(changed) });
    expect(denied).toMatchObject({ effect: Effect.DENY, errorCode: 'APPROVAL_MISMATCH' });
    expect(cp.consumed[0]?.request.argumentsDigest).toBe(sha256Hex(changed));
    expect(cp.consumed[0]?.request.argumentsDigest).not.toBe(sha256Hex(REFUND));
    // A changed resource or credential alike; the approval is still there for the exact call.
    expect((await decide({ approvalId: id, resource: 'orders/o-2' })).errorCode).toBe('APPROVAL_MISMATCH');
    expect((await decide({ approvalId: id, credentialFingerprint: 'cd'.repeat(32) })).errorCode).toBe('APPROVAL_MISMATCH');
    expect((await decide({ approvalId: id })).effect).toBe(Effect.ALLOW);
  });

  it.each([
    ['pending', 'APPROVAL_PENDING'],
    ['rejected', 'APPROVAL_REJECTED'],
    ['expired', 'APPROVAL_EXPIRED'],
  ] as const)('denies a call presenting a %s request: %s, recorded as refused', async (state, code) => {
    const id = await requestApproval(state, state === 'rejected' ? 'key:ops' : '');
    const denied = await decide({ approvalId: id });
    expect(denied).toMatchObject({ effect: Effect.DENY, errorCode: code });
    expect(denied.receipt?.outcome).toBe(Outcome.DENY);
    expect(denied.matchedRules.find((m) => m.ruleId === `approval:${id}`)).toMatchObject({ kind: RuleKind.APPROVAL, effect: 'deny' });
    expect((await eventOf(denied.decisionId)).approval).toMatchObject({ kind: ApprovalStep_Kind.REFUSED, requestId: id });
  });

  it("denies another agent's approval and an unknown one: APPROVAL_NOT_FOUND", async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    const stolen = await decide({ agentId: OTHER.id, approvalId: id }, OTHER.token, other);
    expect(stolen).toMatchObject({ effect: Effect.DENY, errorCode: 'APPROVAL_NOT_FOUND' });
    expect((await decide({ approvalId: 'no-such-approval' })).errorCode).toBe('APPROVAL_NOT_FOUND');
    // Still usable by its own agent for its own call.
    expect((await decide({ approvalId: id })).effect).toBe(Effect.ALLOW);
  });

  it('fails closed: no answer within THOTH_APPROVAL_TIMEOUT_MS, or an answer it does not know, is APPROVAL_UNAVAILABLE', async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    cp.hang.add(id);
    const slow = await decide({ approvalId: id });
    expect(slow).toMatchObject({ effect: Effect.DENY, errorCode: 'APPROVAL_UNAVAILABLE' });
    expect((await eventOf(slow.decisionId)).approval).toMatchObject({ kind: ApprovalStep_Kind.REFUSED, requestId: id });
    cp.hang.delete(id);
    cp.unknownResult.add(id);
    expect((await decide({ approvalId: id })).errorCode).toBe('APPROVAL_UNAVAILABLE');
    cp.unknownResult.delete(id);
    const metric = await enforcer.metrics.approvalsConsumed.get();
    expect(metric.values.find((v) => v.labels.result === 'unavailable')?.value).toBeGreaterThanOrEqual(2);
  });

  it('a repeat of the same request_id gets the same bytes, and the approval is used once', async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    // Both sent before either is answered: the second waits for the first's answer.
    const [first, second] = await Promise.all([decide({ approvalId: id, requestId: 'dup-1' }), decide({ approvalId: id, requestId: 'dup-1' })]);
    const third = await decide({ approvalId: id, requestId: 'dup-1' });
    expect(first.effect).toBe(Effect.ALLOW);
    expect(bytes(second)).toEqual(bytes(first));
    expect(bytes(third)).toEqual(bytes(first));
    expect(cp.consumed).toHaveLength(1);
    // The same request_id presenting no approval, or another one, is another call.
    const reused = await decide({ requestId: 'dup-1' }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(GrpcError);
    expect((reused as GrpcError).metadata.get(ERROR_CODE_HEADER)).toEqual(['REQUEST_ID_REUSED']);
  });

  it('does not use an approval the policy does not ask for, and a shadow tenant never asks', async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    const small = await decide({ approvalId: id, argumentsJson: enc('{"amount":5}') });
    expect(small).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
    expect(small.matchedRules.some((m) => m.ruleId.startsWith('approval:'))).toBe(false);
    const dropped = await decide({ approvalId: id, tool: 'db.drop_table' });
    expect(dropped).toMatchObject({ effect: Effect.DENY, errorCode: '' });
    const shadow = await decide({ tenantId: T_SHADOW, approvalId: id });
    expect(shadow).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(shadow.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    expect(cp.consumed).toHaveLength(0);
    expect((await decide({ approvalId: id })).effect).toBe(Effect.ALLOW);
  });

  it('keeps DecideStream pipelined: a call waiting on the control plane holds nothing else back from being decided', async () => {
    const id = await requestApproval('approved', 'user:alice@example.com');
    const stream = agent.client.decideStream({ metadata: agent.auth(AGENT.token), deadlineMs: 10_000 });
    const base = { tenantId: T, agentId: AGENT.id, resource: 'orders/o-1', credentialFingerprint: 'ab'.repeat(32) };
    await stream.send({ ...base, tool: 'payments.refund', argumentsJson: enc(REFUND), approvalId: id, requestId: 's-1' } as DecideRequest);
    await stream.send({ ...base, tool: 'payments.refund', argumentsJson: enc('{"amount":1}'), requestId: 's-2' } as DecideRequest);
    await stream.send({ ...base, tool: 'payments.refund', argumentsJson: enc(REFUND), requestId: 's-3' } as DecideRequest);
    stream.end();
    const answers: DecideResponse[] = [];
    for await (const r of stream) answers.push(r);
    expect(answers.map((a) => [a.requestId, a.effect])).toEqual([
      ['s-1', Effect.ALLOW],
      ['s-2', Effect.ALLOW],
      ['s-3', Effect.REQUIRE_APPROVAL],
    ]);
    expect(answers[2]?.approvalExpiresAt).toBeDefined();
  });

  it('does not use an approval up for a call whose record cannot be kept (the decision log is full)', async () => {
    // Nothing drains this log: its one place is taken by the first decision.
    const full = await startEnforcer({
      enforcerId: 'enforcer-approvals-full-log',
      listen: { host: '127.0.0.1', port: 0 },
      controlPlane: { address: cp.address, token: ENFORCER_TOKEN, tenantIds: [] },
      trustedKeys: trusted,
      signer,
      decisionLog: new InProcessDecisionLog({ capacity: 1 }),
    });
    const client = agentClient(full.address);
    try {
      install(full.store, { tenantId: T, policy: { version: 3n, format: PolicyFormat.YAML, content: enc(POLICY) } }, [AGENT]);
      const id = await requestApproval('approved', 'user:alice@example.com');
      expect((await decide({ argumentsJson: enc('{"amount":1}') }, AGENT.token, client)).effect).toBe(Effect.ALLOW);
      const denied = await decide({ approvalId: id }, AGENT.token, client);
      expect(denied).toMatchObject({ effect: Effect.DENY, errorCode: 'DECISION_LOG_FULL' });
      expect(cp.consumed).toHaveLength(0);
      // Still there for the call once it can be recorded.
      expect((await decide({ approvalId: id })).effect).toBe(Effect.ALLOW);
    } finally {
      client.close();
      await full.stop({ drainTimeoutMs: 100 });
    }
  });

  it('counts decisions held for approval and approvals by result', async () => {
    const decisions = await enforcer.metrics.decisions.get();
    expect(decisions.values.find((v) => v.labels.outcome === 'approval_required')?.value).toBeGreaterThan(0);
    const consumed = await enforcer.metrics.approvalsConsumed.get();
    for (const result of ['used', 'pending', 'rejected', 'expired', 'already_used', 'mismatch', 'not_found']) {
      expect(consumed.values.find((v) => v.labels.result === result)?.value, result).toBeGreaterThan(0);
    }
  });

  describe('GetApproval', () => {
    const get = (request: { tenantId?: string; agentId?: string; approvalId: string }, token = AGENT.token, client = agent): Promise<ApprovalStatus> =>
      client.client.getApproval({ tenantId: T, agentId: AGENT.id, ...request }, { metadata: client.auth(token), deadlineMs: 10_000 });
    const refusal = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(e).toBeInstanceOf(GrpcError);
      return { code: (e as GrpcError).code, errorCode: (e as GrpcError).metadata.get(ERROR_CODE_HEADER)[0] };
    };

    it("answers where the agent's own request stands, asking the control plane with the authenticated agent", async () => {
      const id = await requestApproval('approved', 'user:alice@example.com');
      const status = await get({ approvalId: id });
      expect(status).toMatchObject({ approvalId: id, state: ApprovalStatus_State.APPROVED, decidedBy: 'user:alice@example.com' });
      expect(cp.statusAsked.at(-1)).toMatchObject({ enforcerId: 'enforcer-approvals', tenantId: T, agentId: AGENT.id, approvalId: id });
    });

    it("finds neither another agent's request nor an unknown one: NOT_FOUND, APPROVAL_NOT_FOUND", async () => {
      const id = await requestApproval();
      expect(await refusal(get({ agentId: OTHER.id, approvalId: id }, OTHER.token, other))).toEqual({ code: 'NOT_FOUND', errorCode: 'APPROVAL_NOT_FOUND' });
      expect(await refusal(get({ approvalId: 'nope' }))).toEqual({ code: 'NOT_FOUND', errorCode: 'APPROVAL_NOT_FOUND' });
    });

    it('refuses before authentication as Decide does', async () => {
      const id = await requestApproval();
      const asked = cp.statusAsked.length;
      expect(await refusal(get({ approvalId: id }, ''))).toEqual({ code: 'UNAUTHENTICATED', errorCode: 'MISSING_AGENT_TOKEN' });
      expect(await refusal(get({ approvalId: id }, 'thoth_at_wrong'))).toEqual({ code: 'UNAUTHENTICATED', errorCode: 'UNAUTHENTICATED' });
      // Another agent's id with this agent's token: the token authenticates nobody there.
      expect(await refusal(get({ agentId: OTHER.id, approvalId: id }))).toEqual({ code: 'UNAUTHENTICATED', errorCode: 'UNAUTHENTICATED' });
      expect(await refusal(get({ tenantId: '7e0a0000-0000-4000-8000-00000000ffff', approvalId: id }))).toEqual({ code: 'UNAUTHENTICATED', errorCode: 'UNAUTHENTICATED' });
      expect(await refusal(get({ approvalId: '' }))).toEqual({ code: 'INVALID_ARGUMENT', errorCode: 'MISSING_FIELD' });
      expect(await refusal(get({ approvalId: 'x'.repeat(201) }))).toEqual({ code: 'INVALID_ARGUMENT', errorCode: 'MALFORMED_FIELD' });
      expect(await refusal(get({ approvalId: 'a\nb' }))).toEqual({ code: 'INVALID_ARGUMENT', errorCode: 'MALFORMED_FIELD' });
      expect(cp.statusAsked).toHaveLength(asked);
    });
  });
});

describe('approvals without a control plane (an enforcer with no config stream, as embedded without one)', () => {
  it('denies a call presenting an approval APPROVAL_UNAVAILABLE, and GetApproval answers UNAVAILABLE', async () => {
    const enforcer = await startEnforcer({
      enforcerId: 'enforcer-approvals-alone',
      listen: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: new InProcessDecisionLog({ capacity: 100 }),
    });
    const agent = agentClient(enforcer.address);
    try {
      install(enforcer.store, { tenantId: T, policy: { version: 3n, format: PolicyFormat.YAML, content: enc(POLICY) } }, [AGENT]);
      const call = { tenantId: T, agentId: AGENT.id, tool: 'payments.refund', argumentsJson: enc(REFUND) };
      const options = () => ({ metadata: agent.auth(AGENT.token), deadlineMs: 10_000 });
      expect((await agent.client.decide(call, options())).effect).toBe(Effect.REQUIRE_APPROVAL);
      expect(await agent.client.decide({ ...call, approvalId: 'some-approval' }, options())).toMatchObject({ effect: Effect.DENY, errorCode: 'APPROVAL_UNAVAILABLE' });
      const error = await agent.client.getApproval({ tenantId: T, agentId: AGENT.id, approvalId: 'some-approval' }, options()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAVAILABLE' });
      expect((error as GrpcError).metadata.get(ERROR_CODE_HEADER)).toEqual(['APPROVAL_UNAVAILABLE']);
    } finally {
      agent.close();
      await enforcer.stop({ drainTimeoutMs: 1_000 });
    }
  });
});
