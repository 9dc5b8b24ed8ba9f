// ThothClient and the guard against a scripted Enforcer service on a real gRPC server
// (loopback): retries, refusals, fail modes, stream pipelining and approvals, without an enforcer app.
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import { ApprovalStatus_State, Effect, Enforcer, RiskTier, RuleKind, type ApprovalStatusSchema, type DecideRequest, type GetApprovalRequest } from '@thoth/contracts';
import { GrpcError, addService, type HandlerContext } from '@thoth/grpc';
import { toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { DecideRequestSchema, type DecideResponseSchema } from '@thoth/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ThothApprovalRequiredError, ThothDeniedError, ThothUnavailableError } from '../errors.js';
import { Thoth, type GuardEvent } from '../guard/guard.js';
import { credentialFingerprint } from './credential.js';
import { ThothClient, ThothTransportError } from './thoth-client.js';

type Answer = (request: DecideRequest, context: HandlerContext) => MessageInitShape<typeof DecideResponseSchema> | Promise<MessageInitShape<typeof DecideResponseSchema>>;

type ApprovalAnswer = (request: GetApprovalRequest) => MessageInitShape<typeof ApprovalStatusSchema>;

const errorCode = (code: string) => {
  const metadata = new Metadata();
  metadata.set('thoth-error-code', code);
  return metadata;
};
const allow = (request: DecideRequest) => ({ requestId: request.requestId, decisionId: `d-${request.requestId}`, effect: Effect.ALLOW });
const TOKEN = 'thoth_at_unit_agent';

describe('ThothClient against a scripted enforcer', () => {
  let server: Server;
  let address: string;
  let answer: Answer = allow;
  const notUsed: ApprovalAnswer = () => {
    throw new GrpcError('UNIMPLEMENTED', 'not scripted');
  };
  let approvalAnswer: ApprovalAnswer = notUsed;
  const polls: { request: GetApprovalRequest; authorization: unknown }[] = [];
  const seen: { request: DecideRequest; authorization: unknown }[] = [];
  const hanging: (() => void)[] = [];
  const clients: ThothClient[] = [];
  let streams = 0;
  let silentStreams = false;

  beforeAll(async () => {
    server = new Server();
    addService(server, Enforcer, {
      getApproval: async (request, context) => {
        polls.push({ request, authorization: context.metadata.get('authorization')[0] });
        return approvalAnswer(request);
      },
      decide: (request, context) => {
        seen.push({ request, authorization: context.metadata.get('authorization')[0] });
        return answer(request, context);
      },
      async *decideStream(requests, context) {
        streams++;
        if (silentStreams) {
          for await (const request of requests) seen.push({ request, authorization: undefined });
          return;
        }
        // Answers in pairs, second first: the client must match answers by request_id.
        let held: DecideRequest | undefined;
        for await (const request of requests) {
          seen.push({ request, authorization: context.metadata.get('authorization')[0] });
          if (!held) {
            held = request;
            continue;
          }
          yield await answer(request, context);
          yield await answer(held, context);
          held = undefined;
        }
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });

  afterEach(() => {
    answer = allow;
    approvalAnswer = notUsed;
    polls.length = 0;
    seen.length = 0;
    streams = 0;
    silentStreams = false;
    for (const release of hanging.splice(0)) release();
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(() => server.forceShutdown());

  const client = (options: Partial<ConstructorParameters<typeof ThothClient>[0]> = {}) => {
    const c = new ThothClient({ address, tenantId: 'acme', agentId: 'crm-agent', agentToken: TOKEN, transport: 'unary', retry: { backoffMs: 1 }, ...options });
    clients.push(c);
    return c;
  };
  const never = () => new Promise<never>((_, reject) => hanging.push(() => reject(new GrpcError('CANCELLED', 'test over'))));

  it('sends the token as a bearer header and only the fingerprint of the tool credential', async () => {
    const decision = await client().decide({ tool: 'crm.read', arguments: { id: 1 }, resource: 'crm://contacts', credentialFingerprint: credentialFingerprint('crm-secret') });
    expect(decision.allow).toBe(true);
    const [{ request, authorization }] = seen as [(typeof seen)[number]];
    expect(authorization).toBe(`Bearer ${TOKEN}`);
    expect(request).toMatchObject({ tenantId: 'acme', agentId: 'crm-agent', tool: 'crm.read', resource: 'crm://contacts' });
    expect(request.credentialFingerprint).toBe(credentialFingerprint('crm-secret'));
    expect(request.credentialFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(new TextDecoder().decode(request.argumentsJson)).toBe('{"id":1}');
    expect(Buffer.from(toBinary(DecideRequestSchema, request)).includes('crm-secret')).toBe(false);
  });

  it('sends the risk it is given as the request\'s risk tier (unspecified when none is given)', async () => {
    await client().decide({ tool: 'crm.delete_records' }, { risk: 'destructive' });
    await client().decide({ tool: 'crm.read' }, { risk: 'read' });
    await client().decide({ tool: 'crm.update' });
    expect(seen.map((s) => s.request.riskTier)).toEqual([RiskTier.DESTRUCTIVE, RiskTier.READ, RiskTier.UNSPECIFIED]);
  });

  it('retries UNAVAILABLE with the same request_id', async () => {
    let calls = 0;
    answer = (request) => {
      if (++calls === 1) throw new GrpcError('UNAVAILABLE', 'restarting');
      return allow(request);
    };
    const decision = await client().decide({ tool: 'crm.delete_records' }, { risk: 'destructive' });
    expect(decision.allow).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.request.requestId).toBe(seen[1]?.request.requestId);
  });

  it('gives up after maxAttempts of UNAVAILABLE', async () => {
    answer = () => {
      throw new GrpcError('UNAVAILABLE', 'down');
    };
    const error = await client({ retry: { maxAttempts: 4, backoffMs: 1 } }).decide({ tool: 'crm.read' }, { risk: 'read' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThothTransportError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', attempts: 4 });
    expect(new Set(seen.map((s) => s.request.requestId)).size).toBe(1);
  });

  it('does not retry DEADLINE_EXCEEDED for destructive tools; does for write and read tools, with the same request_id', async () => {
    answer = () => never();
    const c = client({ deadlineMs: 50 });
    await expect(c.decide({ tool: 'crm.delete_records' }, { risk: 'destructive' })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', attempts: 1 });
    await expect(c.decide({ tool: 'crm.update' }, { risk: 'write' })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', attempts: 3 });
    await expect(c.decide({ tool: 'crm.read' }, { risk: 'read' })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', attempts: 3 });
    const tools = seen.map((s) => s.request.tool);
    expect(tools.filter((t) => t === 'crm.delete_records')).toHaveLength(1);
    expect(tools.filter((t) => t === 'crm.update')).toHaveLength(3);
    expect(tools.filter((t) => t === 'crm.read')).toHaveLength(3);
    const updates = seen.filter((s) => s.request.tool === 'crm.update');
    expect(new Set(updates.map((s) => s.request.requestId)).size).toBe(1);
  });

  it('turns a refused request into a ThothDeniedError (with the decision id when one was recorded), never retried', async () => {
    const refuse = (code: 'UNAUTHENTICATED' | 'RESOURCE_EXHAUSTED', errorCode: string, message: string, decisionId?: string) => () => {
      const metadata = new Metadata();
      if (decisionId) metadata.set('thoth-decision-id', decisionId);
      metadata.set('thoth-error-code', errorCode);
      throw new GrpcError(code, `${errorCode}: ${message}`, { metadata });
    };
    answer = refuse('UNAUTHENTICATED', 'UNAUTHENTICATED', 'no agent of this tenant holds this token: check the tenant id, the agent id and the token');
    const unauthenticated = await client().decide({ tool: 'crm.read' }, { risk: 'read' }).catch((e: unknown) => e);
    expect(unauthenticated).toBeInstanceOf(ThothDeniedError);
    expect(unauthenticated).toMatchObject({ code: 'UNAUTHENTICATED', decisionId: '', tool: 'crm.read' });
    expect((unauthenticated as Error).message).toContain('no agent of this tenant holds this token');
    answer = refuse('RESOURCE_EXHAUSTED', 'ARGUMENTS_TOO_LARGE', 'arguments_json has 300000 bytes; the limit is 262144', 'dec-42');
    const recorded = await client().decide({ tool: 'crm.read' }, { risk: 'read' }).catch((e: unknown) => e);
    expect(recorded).toMatchObject({ code: 'ARGUMENTS_TOO_LARGE', decisionId: 'dec-42' });
    expect(seen).toHaveLength(2);
  });

  it('pipelines over DecideStream, matching answers by request_id', async () => {
    answer = (request) => ({ ...allow(request), effect: request.tool.includes('delete') ? Effect.DENY : Effect.ALLOW });
    const c = client({ transport: 'stream', deadlineMs: 5_000 });
    const [a, b, d, e] = await Promise.all([
      c.decide({ tool: 'crm.read', requestId: 'a' }),
      c.decide({ tool: 'crm.delete_records', requestId: 'b' }),
      c.decide({ tool: 'crm.delete_records', requestId: 'd' }),
      c.decide({ tool: 'crm.read', requestId: 'e' }),
    ]);
    expect([a, b, d, e].map((x) => [x.requestId, x.allow])).toEqual([
      ['a', true],
      ['b', false],
      ['d', false],
      ['e', true],
    ]);
  });

  it('drops a DecideStream that went silent, and the next call opens a new one', async () => {
    silentStreams = true;
    const c = client({ transport: 'stream', deadlineMs: 50 });
    await expect(c.decide({ tool: 'crm.delete_records' }, { risk: 'destructive' })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', attempts: 1 });
    silentStreams = false;
    // (this scripted stream answers in pairs)
    const decisions = await Promise.all(['x1', 'x2'].map((requestId) => c.decide({ tool: 'crm.read', requestId }, { risk: 'read', deadlineMs: 5_000 })));
    expect(decisions.map((d) => d.requestId)).toEqual(['x1', 'x2']);
    expect(streams).toBe(2);
  });

  describe('the guard', () => {
    const events: GuardEvent[] = [];
    afterEach(() => void (events.length = 0));
    const thoth = (settings: { failMode?: 'open' | 'closed'; failOpenReads?: boolean; port?: string } = {}) =>
      new Thoth({ client: client(settings.port ? { address: settings.port } : {}), onDecision: (e) => events.push(e), ...settings });

    it('runs an allowed tool and passes its result through', async () => {
      const guarded = thoth().guard(async (args: { id: number }) => `read ${args.id}`, { name: 'crm.read', risk: 'read', resource: (a) => `crm://contacts/${a.id}` });
      await expect(guarded({ id: 7 })).resolves.toBe('read 7');
      expect(seen[0]?.request.resource).toBe('crm://contacts/7');
      expect(events.map((e) => e.outcome)).toEqual(['allow']);
    });

    it('does not run a denied tool and throws the typed error', async () => {
      answer = (request) => ({ ...allow(request), effect: Effect.DENY, matchedRules: [{ ruleId: 'no-deletes', reason: 'Deletes need a human.', kind: RuleKind.CONDITION }] });
      let ran = false;
      const guarded = thoth().guard(async () => void (ran = true), { name: 'crm.delete_records', risk: 'destructive' });
      const error = await guarded().catch((e: unknown) => e);
      expect(ran).toBe(false);
      expect(error).toBeInstanceOf(ThothDeniedError);
      expect((error as Error).message).toBe('Thoth blocked crm.delete_records: rule no-deletes — Deletes need a human. Do not retry; ask a human.');
      expect(events).toMatchObject([{ outcome: 'deny', tool: 'crm.delete_records' }]);
    });

    it('runs a shadow-denied tool and reports what enforce mode would have thrown', async () => {
      answer = (request) => ({ ...allow(request), shadow: true, matchedRules: [{ ruleId: 'no-deletes', reason: 'Deletes need a human.', kind: RuleKind.CONDITION }] });
      let ran = false;
      await thoth().guard(async () => void (ran = true), { name: 'crm.delete_records', risk: 'destructive' })();
      expect(ran).toBe(true);
      const [event] = events;
      expect(event?.outcome).toBe('shadow_deny');
      expect(event?.outcome === 'shadow_deny' && event.wouldDeny.message).toContain('rule no-deletes');
    });

    it('NOT_READY follows the fail mode by risk', async () => {
      answer = (request) => ({ ...allow(request), effect: Effect.DENY, errorCode: 'NOT_READY', errorMessage: 'no snapshot yet' });
      const t = thoth({ failOpenReads: true });
      let reads = 0;
      let deletes = 0;
      await t.guard(async () => void reads++, { name: 'crm.read', risk: 'read' })();
      const error = await t.guard(async () => void deletes++, { name: 'crm.delete_records', risk: 'destructive' })().catch((e: unknown) => e);
      expect(reads).toBe(1);
      expect(deletes).toBe(0);
      expect(error).toBeInstanceOf(ThothUnavailableError);
      expect(error).toMatchObject({ code: 'NOT_READY', risk: 'destructive' });
      expect(events.map((e) => e.outcome)).toEqual(['fail_open', 'fail_closed']);
    });

    it('with no enforcer at all: destructive fails closed even when the tenant fails open; write and read follow the settings', async () => {
      const dead = await new Promise<number>((resolve, reject) => {
        const s = new Server();
        s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : (s.forceShutdown(), resolve(p))));
      });
      const open = thoth({ failMode: 'open', port: `127.0.0.1:${dead}` });
      const ran: string[] = [];
      const run = (name: string, risk: 'read' | 'write' | 'destructive', t: Thoth) => t.guard(async () => void ran.push(name), { name, risk })().catch((e: unknown) => e);
      const destructive = await run('crm.delete_records', 'destructive', open);
      await run('crm.update', 'write', open);
      const closed = thoth({ port: `127.0.0.1:${dead}` });
      const write = await run('crm.update_closed', 'write', closed);
      const read = await run('crm.read_closed', 'read', closed);
      expect(ran).toEqual(['crm.update']);
      expect(destructive).toBeInstanceOf(ThothUnavailableError);
      expect(destructive).toMatchObject({ code: 'UNAVAILABLE', attempts: 3 });
      expect(write).toBeInstanceOf(ThothUnavailableError);
      expect(read).toBeInstanceOf(ThothUnavailableError);
    });
  });

  describe('approvals', () => {
    // An hour from now: the client forgets a request at its expiry.
    const EXPIRES_AT = Date.now() + 3_600_000;
    const FREEZE = { ruleId: 'delete-freeze', reason: 'Deletes are frozen; the on-call engineer may approve one.', kind: RuleKind.FREEZE_WINDOW };
    /** The enforcer's side: a call without an approval is held; one presenting an approval is answered by `presented`. */
    const holdUnlessPresented =
      (presented: (request: DecideRequest) => MessageInitShape<typeof DecideResponseSchema> = (r) => allow(r)): Answer =>
      (request) =>
        request.approvalId === ''
          ? { ...allow(request), effect: Effect.REQUIRE_APPROVAL, matchedRules: [FREEZE], approvalExpiresAt: timestampFromMs(EXPIRES_AT) }
          : presented(request);
    const states = (...sequence: ApprovalStatus_State[]): ApprovalAnswer => {
      let poll = 0;
      return (request) => ({ approvalId: request.approvalId, state: sequence[Math.min(poll++, sequence.length - 1)]!, decidedBy: 'key:on-call', comment: 'one-off cleanup' });
    };
    const DELETE = { name: 'db.delete_rows', risk: 'destructive' } as const;
    const deleteRows = (t: Thoth, ran: unknown[], approval?: { waitMs: number }) =>
      t.guard(async (args: { table: string; ids: number[] }) => void ran.push(args), { ...DELETE, resource: (a) => `db://${a.table}`, ...(approval ? { approval } : {}) });

    it('without waiting, raises ThothApprovalRequiredError at once with the request id, written for the model, and asks once', async () => {
      answer = holdUnlessPresented();
      const ran: unknown[] = [];
      const error = await deleteRows(new Thoth({ client: client() }), ran)({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      expect(ran).toEqual([]);
      expect(error).toBeInstanceOf(ThothApprovalRequiredError);
      const held = error as ThothApprovalRequiredError;
      const [{ request }] = seen as [(typeof seen)[number]];
      expect(held).toMatchObject({ code: 'APPROVAL_REQUIRED', tool: 'db.delete_rows', approvalId: `d-${request.requestId}`, decisionId: `d-${request.requestId}`, requestId: request.requestId });
      expect(held.expiresAt?.getTime()).toBe(EXPIRES_AT);
      expect(held.reasons).toEqual(['delete-freeze: Deletes are frozen; the on-call engineer may approve one.']);
      expect(held.message).toBe(
        "Thoth held db.delete_rows for a person's approval: rule delete-freeze — Deletes are frozen; the on-call engineer may approve one. It was not run. " +
          `A person must approve this exact call: approval request d-${request.requestId}, open until ${new Date(EXPIRES_AT).toISOString()}. ` +
          'Once it is approved, retry the same call with exactly the same arguments; a call with other arguments needs an approval of its own. ' +
          `Tell the user that approval request d-${request.requestId} is waiting for them.`,
      );
      // Not a transient failure: neither retried nor polled.
      expect(seen).toHaveLength(1);
      expect(polls).toHaveLength(0);
    });

    it('the same call retried presents the remembered approval; a call with one argument changed, or another resource, does not', async () => {
      answer = holdUnlessPresented();
      const ran: unknown[] = [];
      const guarded = deleteRows(new Thoth({ client: client() }), ran);
      const first = (await guarded({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e)) as ThothApprovalRequiredError;
      expect(first).toBeInstanceOf(ThothApprovalRequiredError);
      expect((await guarded({ table: 'orders', ids: [1, 3] }).catch((e: unknown) => e)) as ThothApprovalRequiredError).toBeInstanceOf(ThothApprovalRequiredError);
      expect((await guarded({ table: 'invoices', ids: [1, 2] }).catch((e: unknown) => e)) as ThothApprovalRequiredError).toBeInstanceOf(ThothApprovalRequiredError);
      await guarded({ table: 'orders', ids: [1, 2] });
      expect(seen.map((s) => s.request.approvalId)).toEqual(['', '', '', first.approvalId]);
      expect(ran).toEqual([{ table: 'orders', ids: [1, 2] }]);
      // Used: the next identical call opens a request of its own.
      await guarded({ table: 'orders', ids: [1, 2] }).catch(() => undefined);
      expect(seen[4]?.request.approvalId).toBe('');
    });

    it('waits for a person: polls GetApproval with the agent token, then sends the same call again with the approval and a new request id', async () => {
      answer = holdUnlessPresented();
      approvalAnswer = states(ApprovalStatus_State.PENDING, ApprovalStatus_State.PENDING, ApprovalStatus_State.APPROVED);
      const events: GuardEvent[] = [];
      const ran: unknown[] = [];
      await deleteRows(new Thoth({ client: client({ approval: { waitMs: 30_000 } }), onDecision: (e) => events.push(e) }), ran)({ table: 'orders', ids: [1, 2] });
      expect(ran).toEqual([{ table: 'orders', ids: [1, 2] }]);
      const [held, again] = seen as [(typeof seen)[number], (typeof seen)[number]];
      expect(seen).toHaveLength(2);
      expect(again.request.approvalId).toBe(`d-${held.request.requestId}`);
      expect(again.request.requestId).not.toBe(held.request.requestId);
      expect(again.request.argumentsJson).toEqual(held.request.argumentsJson);
      expect([again.request.tool, again.request.resource, again.request.riskTier]).toEqual([held.request.tool, held.request.resource, held.request.riskTier]);
      expect(polls.length).toBe(3);
      expect(polls.every((p) => p.authorization === `Bearer ${TOKEN}`)).toBe(true);
      expect(polls[0]?.request).toMatchObject({ tenantId: 'acme', agentId: 'crm-agent', approvalId: `d-${held.request.requestId}` });
      expect(events.map((e) => e.outcome)).toEqual(['allow']);
    });

    it('the wait is per tool too, and ends with the enforcer\'s answer: APPROVAL_USED when another call used it first', async () => {
      answer = holdUnlessPresented((request) => ({ ...allow(request), effect: Effect.DENY, errorCode: 'APPROVAL_USED', errorMessage: 'another call used this approval', matchedRules: [{ ruleId: `approval:${request.approvalId}`, reason: 'used by another call', kind: RuleKind.APPROVAL }] }));
      approvalAnswer = states(ApprovalStatus_State.APPROVED);
      const ran: unknown[] = [];
      const error = await deleteRows(new Thoth({ client: client() }), ran, { waitMs: 30_000 })({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      expect(ran).toEqual([]);
      expect(error).toBeInstanceOf(ThothDeniedError);
      expect(error).toMatchObject({ code: 'APPROVAL_USED' });
      expect((error as Error).message).toContain('each approval lets one call through once');
      expect(seen).toHaveLength(2);
    });

    it('a rejection ends the wait with a ThothDeniedError APPROVAL_REJECTED naming who rejected it; the call is not sent again', async () => {
      answer = holdUnlessPresented();
      approvalAnswer = states(ApprovalStatus_State.PENDING, ApprovalStatus_State.REJECTED);
      const ran: unknown[] = [];
      const error = await deleteRows(new Thoth({ client: client({ approval: { waitMs: 30_000 } }) }), ran)({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      expect(ran).toEqual([]);
      expect(error).toBeInstanceOf(ThothDeniedError);
      const denied = error as ThothDeniedError;
      expect(denied.code).toBe('APPROVAL_REJECTED');
      expect(denied.message).toMatch(/rejected by key:on-call: one-off cleanup\. A person rejected this call: do not retry it/);
      expect(seen).toHaveLength(1);
      // Forgotten: the same call again asks anew.
      await deleteRows(new Thoth({ client: clients[0]! }), ran)({ table: 'orders', ids: [1, 2] }).catch(() => undefined);
      expect(seen[1]?.request.approvalId).toBe('');
    });

    it('past waitMs with nobody deciding, raises ThothApprovalRequiredError (and the next identical call presents the request)', async () => {
      answer = holdUnlessPresented((request) => ({ ...allow(request), effect: Effect.DENY, errorCode: 'APPROVAL_PENDING', errorMessage: 'nobody decided yet' }));
      approvalAnswer = states(ApprovalStatus_State.PENDING);
      const ran: unknown[] = [];
      const t = new Thoth({ client: client({ approval: { waitMs: 600 } }) });
      const error = await deleteRows(t, ran)({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThothApprovalRequiredError);
      expect(polls.length).toBeGreaterThanOrEqual(1);
      expect(seen).toHaveLength(1);
      const approvalId = (error as ThothApprovalRequiredError).approvalId;
      // Presented too early, the request is still the one the call waits on: the same error, the same id.
      const early = await deleteRows(t, ran, { waitMs: 0 })({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      expect(seen[1]?.request.approvalId).toBe(approvalId);
      expect(early).toBeInstanceOf(ThothApprovalRequiredError);
      expect(early).toMatchObject({ approvalId, decisionId: `d-${seen[1]?.request.requestId}` });
      expect((early as ThothApprovalRequiredError).expiresAt?.getTime()).toBe(EXPIRES_AT);
      expect(ran).toEqual([]);
    });

    it('a request the control plane has not learnt of yet (APPROVAL_NOT_FOUND, moments after it opened) is still pending', async () => {
      answer = holdUnlessPresented((request) => ({ ...allow(request), effect: Effect.DENY, errorCode: 'APPROVAL_NOT_FOUND', errorMessage: 'no such approval request' }));
      const ran: unknown[] = [];
      const c = client();
      const first = await deleteRows(new Thoth({ client: c }), ran)({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      const early = await deleteRows(new Thoth({ client: c }), ran)({ table: 'orders', ids: [1, 2] }).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(ThothApprovalRequiredError);
      expect((early as ThothApprovalRequiredError).approvalId).toBe((first as ThothApprovalRequiredError).approvalId);
      // Waiting, GetApproval's NOT_FOUND is polled through until the control plane knows the request.
      let poll = 0;
      approvalAnswer = (request) => {
        if (++poll <= 2) throw new GrpcError('NOT_FOUND', 'APPROVAL_NOT_FOUND: no such approval request', { metadata: errorCode('APPROVAL_NOT_FOUND') });
        return { approvalId: request.approvalId, state: ApprovalStatus_State.APPROVED };
      };
      answer = holdUnlessPresented();
      await deleteRows(new Thoth({ client: client() }), ran, { waitMs: 30_000 })({ table: 'orders', ids: [1, 2] });
      expect(ran).toHaveLength(1);
      expect(polls).toHaveLength(3);
    });

    it('stops waiting when the caller aborts', async () => {
      answer = holdUnlessPresented();
      approvalAnswer = states(ApprovalStatus_State.PENDING);
      const controller = new AbortController();
      const waiting = client({ approval: { waitMs: 60_000 } }).decide({ tool: 'db.delete_rows', arguments: { ids: [1] } }, { signal: controller.signal });
      await vi.waitFor(() => expect(polls.length).toBeGreaterThan(0), { timeout: 10_000 });
      controller.abort(new Error('the user gave up'));
      await expect(waiting).rejects.toThrow('the user gave up');
      expect(seen).toHaveLength(1);
    });

    it('an approval named by the caller is sent as given, even for a call the client never saw', async () => {
      answer = holdUnlessPresented((request) => ({ ...allow(request), effect: Effect.DENY, errorCode: 'APPROVAL_MISMATCH', errorMessage: 'approved for another call' }));
      const direct = await client().decide({ tool: 'db.delete_rows', arguments: { ids: [9] }, approvalId: 'req-7' });
      expect(seen.at(-1)?.request.approvalId).toBe('req-7');
      expect(direct).toMatchObject({ allow: false, errorCode: 'APPROVAL_MISMATCH', approval: undefined });
    });
  });
});
