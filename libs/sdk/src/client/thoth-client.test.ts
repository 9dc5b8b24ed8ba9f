// ThothClient and the guard against a scripted Enforcer service on a real gRPC server
// (loopback): retries, refusals, fail modes and stream pipelining, without an enforcer app.
import { Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import { Effect, Enforcer, RiskTier, RuleKind, type DecideRequest } from '@thoth/contracts';
import { GrpcError, addService, type HandlerContext } from '@thoth/grpc';
import { toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { DecideRequestSchema, type DecideResponseSchema } from '@thoth/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ThothDeniedError, ThothUnavailableError } from '../errors.js';
import { Thoth, type GuardEvent } from '../guard/guard.js';
import { credentialFingerprint } from './credential.js';
import { ThothClient, ThothTransportError } from './thoth-client.js';

type Answer = (request: DecideRequest, context: HandlerContext) => MessageInitShape<typeof DecideResponseSchema> | Promise<MessageInitShape<typeof DecideResponseSchema>>;

const allow = (request: DecideRequest) => ({ requestId: request.requestId, decisionId: `d-${request.requestId}`, effect: Effect.ALLOW });
const TOKEN = 'thoth_at_unit_agent';

describe('ThothClient against a scripted enforcer', () => {
  let server: Server;
  let address: string;
  let answer: Answer = allow;
  const seen: { request: DecideRequest; authorization: unknown }[] = [];
  const hanging: (() => void)[] = [];
  const clients: ThothClient[] = [];
  let streams = 0;
  let silentStreams = false;

  beforeAll(async () => {
    server = new Server();
    addService(server, Enforcer, {
      getApproval: () => Promise.reject(new Error('not used')),
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
});
