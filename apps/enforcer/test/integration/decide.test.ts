// Decide at the edge against the real Kafka broker: answers, receipts, bad requests (each with
// its precise status; a denied DecisionEvent once the agent is authenticated, nothing before),
// not-ready, shadow, fail modes, last-good snapshots on disk and how long they are trusted.
import { AgentStatus, Effect, FailMode, Outcome, RuleKind, TenantMode, type DecisionEvent } from '@thoth/contracts';
import { Health, HealthCheckResponse_ServingStatus } from '@thoth/contracts/health';
import { Client, credentials } from '@grpc/grpc-js';
import { createClient, GrpcError } from '@thoth/grpc';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, verifyReceipt } from '@thoth/snapshot';
import { createTestTopics, freePort, testKafka, testKafkaConnection } from '@thoth/testing';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISION_ID_HEADER, ERROR_CODE_HEADER } from '../../src/decide/decision-service.js';
import { InProcessDecisionLog } from '../../src/emit/in-process-decision-log.js';
import { KafkaDecisionLog } from '../../src/emit/kafka-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/enforcer.js';
import { agentClient, consumeDecisions, install, trusted } from './fixtures.js';

const receiptSigner = signerFromSeed(generateSigningKey());
const receiptKeys = keyring([verifierFromPublicKey(receiptSigner.publicKey)]);
const T = '7e0a0000-0000-4000-8000-00000000dec1';
const AGENT = { id: 'crm-agent', token: 'thoth_at_good', revoked: ['thoth_at_old'] };
const enc = (s: string) => new TextEncoder().encode(s);

describe('Decide at the edge, decisions to Kafka', () => {
  let topic: string;
  let enforcer: RunningEnforcer;
  let agent: ReturnType<typeof agentClient>;

  beforeAll(async () => {
    [topic] = (await createTestTopics([{ name: 'decide.decisions' }])) as [string];
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-decide',
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: receiptSigner,
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 10_000 }),
      maxArgumentsBytes: 1024,
    });
    install(enforcer.store, { tenantId: T }, [AGENT]);
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-00000000005a', mode: TenantMode.SHADOW }, [AGENT]);
    agent = agentClient(enforcer.address);
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
  });

  const call = (request: Record<string, unknown>, token: string = AGENT.token) =>
    agent.client.decide({ tenantId: T, agentId: AGENT.id, tool: 'crm.read', argumentsJson: enc('{}'), ...request }, { metadata: agent.auth(token), deadlineMs: 10_000 });

  const refused = async (request: Record<string, unknown>, token: string) => {
    const error = await call(request, token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GrpcError);
    const g = error as GrpcError;
    return { code: g.code, details: g.details, decisionId: String(g.metadata.get(DECISION_ID_HEADER)[0]), errorCode: String(g.metadata.get(ERROR_CODE_HEADER)[0]) };
  };

  it('answers with effect, rules, policy version and a receipt that verifies', async () => {
    const allowed = await call({ requestId: 'r-allow' });
    expect(allowed).toMatchObject({ effect: Effect.ALLOW, shadow: false, requestId: 'r-allow', policyVersion: 7n });
    expect(allowed.decisionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const denied = await call({ tool: 'db.drop_table', requestId: 'r-deny' });
    expect(denied.effect).toBe(Effect.DENY);
    expect(denied.matchedRules[0]).toMatchObject({ ruleId: 'no-drops', kind: RuleKind.CONDITION, reason: 'Nobody drops tables.' });
    expect(denied.receipt).toMatchObject({ outcome: Outcome.DENY, decisionId: denied.decisionId, enforcerId: 'enforcer-decide', keyId: receiptSigner.keyId, configVersion: 1n });
    expect(verifyReceipt(denied.receipt!, receiptKeys)).toEqual({ ok: true });
    expect(verifyReceipt({ ...denied.receipt!, outcome: Outcome.ALLOW }, receiptKeys)).toMatchObject({ ok: false });
  });

  it('shadow mode lets a would-deny through and says so', async () => {
    const answer = await call({ tenantId: '7e0a0000-0000-4000-8000-00000000005a', tool: 'db.drop_table' });
    expect(answer).toMatchObject({ effect: Effect.ALLOW, shadow: true });
    expect(answer.receipt?.outcome).toBe(Outcome.WOULD_DENY);
  });

  // [what, request, token, gRPC status, error code, recorded]: before the agent is authenticated,
  // nothing is recorded, and whether the tenant or the agent exists is not told.
  const BAD: [string, Record<string, unknown>, string, string, string, boolean][] = [
    ['an unknown tenant', { tenantId: '7e0a0000-0000-4000-8000-0000000000b0' }, AGENT.token, 'UNAUTHENTICATED', 'UNAUTHENTICATED', false],
    ['an unknown agent', { agentId: 'ghost' }, AGENT.token, 'UNAUTHENTICATED', 'UNAUTHENTICATED', false],
    ['no agent token', {}, '', 'UNAUTHENTICATED', 'MISSING_AGENT_TOKEN', false],
    ['a wrong agent token', {}, 'thoth_at_wrong', 'UNAUTHENTICATED', 'UNAUTHENTICATED', false],
    ['a revoked agent token', {}, 'thoth_at_old', 'UNAUTHENTICATED', 'UNAUTHENTICATED', false],
    ['a missing tool', { tool: '' }, AGENT.token, 'INVALID_ARGUMENT', 'MISSING_FIELD', false],
    ['arguments over the size limit', { argumentsJson: enc(JSON.stringify({ blob: 'x'.repeat(2000) })) }, AGENT.token, 'RESOURCE_EXHAUSTED', 'ARGUMENTS_TOO_LARGE', true],
    ['malformed JSON arguments', { argumentsJson: enc('{"ids": [1, 2') }, AGENT.token, 'INVALID_ARGUMENT', 'INVALID_ARGUMENTS_JSON', true],
    ['arguments that are not UTF-8', { argumentsJson: Uint8Array.of(0x7b, 0xff, 0x7d) }, AGENT.token, 'INVALID_ARGUMENT', 'INVALID_ARGUMENTS_JSON', true],
  ];
  const refusedIds = new Map<string, { errorCode: string; decisionId: string }>();

  it.each(BAD)('refuses %s with its precise status', async (what, request, token, grpcCode, errorCode, recorded) => {
    const r = await refused(request, token);
    expect(r.code).toBe(grpcCode);
    expect(r.errorCode).toBe(errorCode);
    expect(r.details).toContain(errorCode);
    if (recorded) refusedIds.set(what, { errorCode, decisionId: r.decisionId });
    else expect(r.decisionId).toBe('undefined');
  });

  it('answers bad requests in-band on DecideStream and keeps the stream going', async () => {
    const stream = agent.client.decideStream({ metadata: agent.auth('thoth_at_wrong'), deadlineMs: 10_000 });
    await stream.send({ requestId: 's1', tenantId: T, agentId: AGENT.id, tool: 'crm.read' });
    await stream.send({ requestId: 's2', tenantId: T, agentId: AGENT.id, tool: 'crm.read', argumentsJson: enc('nope') });
    stream.end();
    const answers = [];
    for await (const a of stream) answers.push(a);
    expect(answers.map((a) => [a.requestId, a.effect, a.errorCode])).toEqual([
      ['s1', Effect.DENY, 'UNAUTHENTICATED'],
      ['s2', Effect.DENY, 'UNAUTHENTICATED'],
    ]);
    const good = agent.client.decideStream({ metadata: agent.auth(AGENT.token) });
    for (let i = 0; i < 50; i++) await good.send({ requestId: `g${i}`, tenantId: T, agentId: AGENT.id, tool: i % 2 ? 'db.drop_x' : 'crm.read' });
    good.end();
    const ids = new Set<string>();
    for await (const a of good) {
      expect(a.effect).toBe(a.requestId.slice(1) === '' || Number(a.requestId.slice(1)) % 2 ? Effect.DENY : Effect.ALLOW);
      ids.add(a.requestId);
    }
    expect(ids.size).toBe(50);
  });

  it('still answers after all that, and every decision reached Kafka, bad requests of an authenticated agent as denials', async () => {
    expect((await call({})).effect).toBe(Effect.ALLOW);
    const produced = enforcer.metrics.decisions;
    const total = (await produced.get()).values.reduce((n, v) => n + v.value, 0);
    const { events } = await consumeDecisions(testKafka('decide-test'), topic, (e) => e.length >= total);
    expect(events.length).toBe(total);
    const byId = new Map<string, DecisionEvent>(events.map((e) => [e.decisionId, e]));
    for (const [what, { errorCode, decisionId }] of refusedIds) {
      const event = byId.get(decisionId);
      expect(event, what).toBeDefined();
      expect(event).toMatchObject({ errorCode, effect: Effect.DENY, enforcerId: 'enforcer-decide' });
      expect(event?.receipt?.outcome).toBe(Outcome.DENY);
    }
    expect(refusedIds.size).toBe(BAD.filter((b) => b[5]).length);
    expect(events.filter((e) => e.agentId !== AGENT.id || e.tenantId === '7e0a0000-0000-4000-8000-0000000000b0' || e.decisionId === '')).toEqual([]);
    const dropped = events.find((e) => e.tool === 'db.drop_table' && e.tenantId === T);
    expect(dropped).toMatchObject({ effect: Effect.DENY, tenantId: T, agentId: AGENT.id, policyVersion: 7n, configVersion: 1n });
    expect(dropped?.argumentsDigest).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'); // sha256("{}")
  });
});

describe('readiness, fail modes, last-good snapshots', () => {
  it('an enforcer with no snapshot denies NOT_READY, unrecorded, and reports not ready', async () => {
    const log = new InProcessDecisionLog({ capacity: 100 });
    const seen: DecisionEvent[] = [];
    log.subscribe((events) => void seen.push(...events));
    const enforcer = await startEnforcer({ enforcerId: 'empty', listen: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, trustedKeys: trusted, signer: receiptSigner, decisionLog: log });
    const agent = agentClient(enforcer.address);
    try {
      const answer = await agent.client.decide({ tenantId: T, agentId: 'a', tool: 'crm.read' }, { metadata: agent.auth('thoth_at_x') });
      expect(answer).toMatchObject({ effect: Effect.DENY, errorCode: 'NOT_READY', decisionId: '' });
      expect(answer.receipt).toBeUndefined();
      expect(enforcer.ready()).toBe(false);
      const health = createClient(Health, new Client(enforcer.address, credentials.createInsecure()));
      expect((await health.check({ service: 'thoth.decision.v1.Enforcer' })).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      expect((await fetch(`${enforcer.httpUrl}/readyz`)).status).toBe(503);
      expect(await (await fetch(`${enforcer.httpUrl}/metrics`)).text()).toMatch(/thoth_enforcer_ready 0/);
      expect(await (await fetch(`${enforcer.httpUrl}/metrics`)).text()).toMatch(/^thoth_enforcer_unauthenticated_refusals_total\{reason="not_ready"\} 1$/m);

      install(enforcer.store, { tenantId: T }, [AGENT]);
      expect((await health.check({ service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      expect((await fetch(`${enforcer.httpUrl}/readyz`)).status).toBe(200);
      // The next decision is the first the log sees: the refusal was never in it.
      await agent.client.decide({ tenantId: T, agentId: AGENT.id, tool: 'crm.read' }, { metadata: agent.auth(AGENT.token) });
      await vi_waitFor(() => seen.length > 0);
      expect(seen.map((e) => e.errorCode)).toEqual(['']);
    } finally {
      agent.close();
      await enforcer.stop();
    }
  });

  it('the tenant fail mode decides when evaluation fails: closed denies, open lets through as would-deny', async () => {
    const log = new InProcessDecisionLog({ capacity: 100 });
    const enforcer = await startEnforcer({ enforcerId: 'fail-modes', listen: { host: '127.0.0.1', port: 0 }, trustedKeys: trusted, signer: receiptSigner, decisionLog: log });
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-0000000000c1', failMode: FailMode.CLOSED }, [AGENT]);
    install(enforcer.store, { tenantId: '7e0a0000-0000-4000-8000-0000000000e1', failMode: FailMode.OPEN }, [AGENT]);
    const agent = agentClient(enforcer.address);
    try {
      // args.limit is a string: the CEL comparison fails at run time.
      const request = { agentId: AGENT.id, tool: 'crm.export', argumentsJson: enc('{"limit": "lots"}') };
      const closed = await agent.client.decide({ ...request, tenantId: '7e0a0000-0000-4000-8000-0000000000c1' }, { metadata: agent.auth(AGENT.token) });
      expect(closed).toMatchObject({ effect: Effect.DENY, errorCode: 'EVALUATION_ERROR' });
      const open = await agent.client.decide({ ...request, tenantId: '7e0a0000-0000-4000-8000-0000000000e1' }, { metadata: agent.auth(AGENT.token) });
      expect(open).toMatchObject({ effect: Effect.ALLOW, shadow: true, errorCode: 'EVALUATION_ERROR' });
      expect(open.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    } finally {
      agent.close();
      await enforcer.stop();
    }
  });

  it('restarts from a persisted signed snapshot, verified again; a tampered file is ignored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'thoth-snapshots-'));
    const { SnapshotDisk } = await import('../../src/sync/snapshot-disk.js');
    const disk = new SnapshotDisk(dir);
    const first = await startEnforcer({ enforcerId: 'disk-1', listen: { host: '127.0.0.1', port: 0 }, trustedKeys: trusted, signer: receiptSigner, decisionLog: new InProcessDecisionLog({ capacity: 10 }) });
    const { signed } = install(first.store, { tenantId: T, version: 5n }, [{ ...AGENT, status: AgentStatus.ACTIVE }]);
    await disk.save(T, signed);
    const tampered = { ...signed, snapshot: Uint8Array.from(signed.snapshot) };
    tampered.snapshot[10] = (tampered.snapshot[10] ?? 0) ^ 1;
    await disk.save('tenant-tampered', tampered);
    await writeFile(join(dir, 'garbage.snapshot'), 'not a protobuf at all \xff');
    await first.stop();
    expect((await readdir(dir)).sort()).toHaveLength(3);

    const second = await startEnforcer({ enforcerId: 'disk-2', listen: { host: '127.0.0.1', port: 0 }, trustedKeys: trusted, signer: receiptSigner, decisionLog: new InProcessDecisionLog({ capacity: 10 }), snapshotDir: dir });
    const agent = agentClient(second.address);
    try {
      expect(second.ready()).toBe(true);
      expect([...second.store.tenants()].map((t) => [t.tenantId, t.version])).toEqual([[T, 5n]]);
      const answer = await agent.client.decide({ tenantId: T, agentId: AGENT.id, tool: 'db.drop_it' }, { metadata: agent.auth(AGENT.token) });
      expect(answer).toMatchObject({ effect: Effect.DENY });
      expect(answer.receipt?.configVersion).toBe(5n);
    } finally {
      agent.close();
      await second.stop();
    }
  });

  it('trusts a snapshot restored from disk for one maximum staleness from its start while the control plane cannot be reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'thoth-snapshots-'));
    const { SnapshotDisk } = await import('../../src/sync/snapshot-disk.js');
    const first = await startEnforcer({ enforcerId: 'stale-1', listen: { host: '127.0.0.1', port: 0 }, trustedKeys: trusted, signer: receiptSigner, decisionLog: new InProcessDecisionLog({ capacity: 10 }) });
    await new SnapshotDisk(dir).save(T, install(first.store, { tenantId: T }, [AGENT]).signed);
    await first.stop();

    let now = Date.now();
    const second = await startEnforcer({
      enforcerId: 'stale-2',
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      // Nothing listens there: the control plane never answers.
      controlPlane: { address: `127.0.0.1:${await freePort()}`, token: 'thoth_et_unreachable', backoff: { initialMs: 50, maxMs: 200 } },
      trustedKeys: trusted,
      signer: receiptSigner,
      decisionLog: new InProcessDecisionLog({ capacity: 10 }),
      snapshotDir: dir,
      maxStalenessMs: 60_000,
      clock: () => now,
    });
    const agent = agentClient(second.address);
    const write = () => agent.client.decide({ tenantId: T, agentId: AGENT.id, tool: 'crm.update' }, { metadata: agent.auth(AGENT.token) });
    try {
      now += 60_000;
      expect(await write()).toMatchObject({ effect: Effect.ALLOW, errorCode: '' });
      expect(second.status()).toMatchObject({ ready: true, stale: false, sinceContactMs: null });
      now += 1;
      expect(await write()).toMatchObject({ effect: Effect.DENY, errorCode: 'CONFIG_STALE' });
      const readyz = await fetch(`${second.httpUrl}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.json()).toMatchObject({ ready: false, stale: true, maxStalenessMs: 60_000, notReady: { code: 'CONFIG_STALE' } });
    } finally {
      agent.close();
      await second.stop();
    }
  });
});

async function vi_waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}


