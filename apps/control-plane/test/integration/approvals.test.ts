import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import {
  ApprovalStatus_State,
  ApprovalStep_Kind,
  ConfigDistribution,
  ConsumeApprovalResponse_Result as Result,
  DecisionEventSchema,
  Effect,
  Outcome,
  RuleKind,
  Severity,
  type ConsumeApprovalRequestSchema,
  type DecisionEvent,
} from '@thoth/contracts';
import { createClient, GrpcError } from '@thoth/grpc';
import { CONTROL_PLANE_INSTANCE, generateSigningKey, judgeDecisionEvent, keyring, ReceiptKeyDirectory, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { createTestTopics, testKafka, testKafkaConnection } from '@thoth/testing';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Consumer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { ReceiptKeyPublisher } from '../../src/distribution/index.js';
import { decisionEvent, registerReceiptKey, signDecisionEvent } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { DecisionIngestion, DecisionRecordsRepository, type IngestOutcome } from '../../src/modules/decisions/index.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { alertsConfig } from './alerts.support.js';
import { queryAsTenant } from './support/contexts.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// Issue 17 (the control plane's side, docs/approvals.md), on real Postgres and Kafka: requests are
// recorded only from verified decisions; only an approver of the request's tenant decides, once,
// before expiry; each decision is a signed decision on the decision stream that a ledger (the
// receipt key directory the control plane publishes) and the control plane's own ingestion
// believe; ConsumeApproval uses an approval once across any number of enforcers, for the exact
// call only; the page of the alert's signed link shows the exact arguments.

const NOW = Date.UTC(2026, 10, 2, 10, 0);
const HOUR = 3_600_000;

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let decisionsTopic: string;
let keysTopic: string;
let a: { tenantId: string; key: string; keyId: string };
let b: { tenantId: string; key: string; keyId: string };
const keys: Record<string, string> = {};
let approverKeyId: string;
let enforcerOfA: string;
let enforcerOfB: string;
let channel: Client;
let directoryConsumer: Consumer;
const directory = { current: undefined as ReceiptKeyDirectory | undefined };

const keyOfA = signerFromSeed(generateSigningKey());
const keyOfB = signerFromSeed(generateSigningKey());
const forger = signerFromSeed(generateSigningKey());

const ARGS = { orderId: 'ord-7', amount: 950, note: '<script>alert(1)</script> & "refund"' };

/** An approval request as tenant's enforcer `edge` publishes it: the call held, its arguments retained, signed. */
function requestEvent(tenantId: string, id: string, options: { expiresAt?: number; agentId?: string; signer?: typeof keyOfA; edge?: string; tool?: string } = {}): DecisionEvent {
  const edge = options.edge ?? (tenantId === a.tenantId ? 'edge-a' : 'edge-b');
  const agentId = options.agentId ?? 'refund-agent';
  const tool = options.tool ?? 'payments.refund';
  const decidedAt = timestampFromMs(NOW - 30 * 60_000);
  const event = decisionEvent({
    tenantId,
    decisionId: id,
    agentId,
    tool,
    resource: 'payments/orders',
    argumentsDigest: 'd'.repeat(64),
    credentialFingerprint: 'f'.repeat(64),
    retainedArgumentsJson: new TextEncoder().encode(JSON.stringify(ARGS)),
    effect: Effect.REQUIRE_APPROVAL,
    shadow: false,
    enforcerId: edge,
    decidedAt,
    requestedAt: decidedAt,
    matchedRules: [{ ruleId: 'refunds-over-500', reason: 'Refunds over 500 need a person.', severity: Severity.HIGH, kind: RuleKind.CONDITION, effect: 'approve' }],
    approval: { kind: ApprovalStep_Kind.REQUESTED, requestId: id, expiresAt: timestampFromMs(options.expiresAt ?? NOW + HOUR), ruleIds: ['refunds-over-500'] },
  });
  Object.assign(event.receipt!, { enforcerId: edge, outcome: Outcome.APPROVAL_REQUIRED, agentId, tool, decidedAt, reasons: ['refunds-over-500: Refunds over 500 need a person.'] });
  return signDecisionEvent(event, options.signer ?? (tenantId === a.tenantId ? keyOfA : keyOfB));
}

const ingest = (events: readonly DecisionEvent[]): Promise<IngestOutcome> =>
  cp.app.get(DecisionIngestion).ingestor.ingest(events.map((event) => ({ decision: recordOfEvent(event), from: 'test' })));

const requestIds = (tenantId: string) => queryAsTenant<{ id: string }>(cp, tenantId, 'SELECT id FROM approval_requests ORDER BY id').then((rows) => rows.map((r) => r.id));

function consume(token: string, request: MessageInitShape<typeof ConsumeApprovalRequestSchema>) {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return createClient(ConfigDistribution, channel).consumeApproval(request, { metadata, deadlineMs: 10_000 });
}

function approvalStatus(token: string, tenantId: string, agentId: string, approvalId: string) {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return createClient(ConfigDistribution, channel).getApprovalStatus({ tenantId, agentId, approvalId }, { metadata, deadlineMs: 10_000 });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; errorCode: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrpcError);
  const g = error as GrpcError;
  return { code: g.code, errorCode: g.metadata.get('thoth-error-code')[0] };
}

/** The call of `requestEvent`, presenting approval `id`. */
const theCall = (tenantId: string, id: string, decisionId: string) => ({
  tenantId,
  approvalId: id,
  agentId: 'refund-agent',
  tool: 'payments.refund',
  argumentsDigest: 'd'.repeat(64),
  resource: 'payments/orders',
  credentialFingerprint: 'f'.repeat(64),
  decisionId,
});

async function approve(id: string, key = keys['approver']!, body: unknown = { comment: 'ok, customer called' }) {
  return call(cp.url, 'POST', `/v1/approvals/${encodeURIComponent(id)}/approve`, { key, body });
}

beforeAll(async () => {
  role = await createAppLoginRole();
  [decisionsTopic, keysTopic] = (await createTestTopics([
    { name: `cp-approvals-${randomBytes(3).toString('hex')}`, numPartitions: 1 },
    { name: `cp-approval-keys-${randomBytes(3).toString('hex')}`, numPartitions: 1 },
  ])) as [string, string];
  const connection = testKafkaConnection();
  const snapshotSeed = generateSigningKey();
  cp = await startControlPlane(
    role.url,
    {
      decisions: { kafka: { connection, topic: decisionsTopic, groupId: `cp-approvals-${randomBytes(4).toString('hex')}`, sessionTimeoutMs: 10_000 } },
      distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: snapshotSeed, keyFile: '/nonexistent/snapshot.key', receiptKeys: { connection, topic: keysTopic } },
      alerts: alertsConfig({ worker: false }),
      publicUrl: 'https://thoth.example',
    },
    new FixedClock(new Date(NOW)),
  );
  a = await signUp(cp.url, 'Approvals A');
  b = await signUp(cp.url, 'Approvals B');
  const database = new TenantDatabase(cp.database);
  await registerReceiptKey(database, a.tenantId, keyOfA, 'edge-a');
  await registerReceiptKey(database, b.tenantId, keyOfB, 'edge-b');
  for (const role of ['approver', 'auditor', 'read_only', 'policy_author'] as const) {
    const issued = await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name: role, role } });
    expect(issued.status).toBe(201);
    keys[role] = issued.body.key;
    if (role === 'approver') approverKeyId = issued.body.id;
  }
  keys['approverOfB'] = (await call(cp.url, 'POST', '/v1/api-keys', { key: b.key, body: { name: 'approver', role: 'approver' } })).body.key;
  enforcerOfA = (await call(cp.url, 'POST', '/v1/enforcers', { key: a.key, body: { name: 'edge-a' } })).body.token;
  enforcerOfB = (await call(cp.url, 'POST', '/v1/enforcers', { key: b.key, body: { name: 'edge-b' } })).body.token;
  expect(await call(cp.url, 'POST', '/v1/alert-destinations', { key: a.key, body: { kind: 'webhook', name: 'soc', url: 'https://203.0.113.10/hook' } })).toMatchObject({ status: 201 });
  channel = new Client(cp.grpcAddress!, credentials.createInsecure());

  // What a ledger believes: the directory the control plane publishes, checked against its snapshot key.
  directory.current = new ReceiptKeyDirectory(keyring([verifierFromPublicKey(cp.snapshotPublicKey!)]), { info: () => undefined, warn: () => undefined });
  directoryConsumer = testKafka('cp-approvals-directory').consumer({ groupId: `cp-approvals-dir-${randomBytes(4).toString('hex')}` });
  await directoryConsumer.connect();
  await directoryConsumer.subscribe({ topic: keysTopic, fromBeginning: true });
  await directoryConsumer.run({ eachMessage: async ({ message }) => directory.current!.apply(message.key?.toString() ?? null, message.value?.toString() ?? null, 'test') });

  const outcome = await ingest([
    requestEvent(a.tenantId, 'apr-a-1'),
    requestEvent(a.tenantId, 'apr-a-twice'),
    requestEvent(a.tenantId, 'apr-a-reject'),
    requestEvent(a.tenantId, 'apr-a-expired', { expiresAt: NOW - 60_000 }),
    requestEvent(a.tenantId, 'apr-a-race'),
    requestEvent(a.tenantId, 'apr-a-mismatch'),
    requestEvent(a.tenantId, 'apr-a-pending'),
    requestEvent(a.tenantId, 'apr-a-page'),
    requestEvent(b.tenantId, 'apr-b-1'),
  ]);
  expect(outcome.inserted).toBe(9);
});

afterAll(async () => {
  channel?.close();
  await directoryConsumer?.disconnect();
  await cp?.close();
  await role?.drop();
});

describe('approval requests come from verified decisions only', () => {
  it('records a verified request once; a forged one, another tenant enforcer’s, and an approval signed by an enforcer never count', async () => {
    const forgedApproval = decisionEvent({
      tenantId: a.tenantId,
      decisionId: 'apr-a-forged-approval',
      effect: Effect.ALLOW,
      shadow: false,
      enforcerId: 'edge-a',
      approval: { kind: ApprovalStep_Kind.APPROVED, requestId: 'apr-a-pending', decidedBy: 'key:nobody', comment: 'trust me' },
    });
    Object.assign(forgedApproval.receipt!, { enforcerId: 'edge-a', outcome: Outcome.ALLOW });
    const outcome = await ingest([
      requestEvent(a.tenantId, 'apr-a-1'),
      requestEvent(a.tenantId, 'apr-a-forged', { signer: forger }),
      requestEvent(a.tenantId, 'apr-a-by-b', { signer: keyOfB, edge: 'edge-b' }),
      signDecisionEvent(forgedApproval, keyOfA),
    ]);
    expect(outcome).toMatchObject({ inserted: 0, duplicates: 1, quarantined: { 'receipt.unknown_key': 2, 'receipt.wrong_enforcer': 1 } });
    expect(await requestIds(a.tenantId)).toEqual(['apr-a-1', 'apr-a-expired', 'apr-a-mismatch', 'apr-a-page', 'apr-a-pending', 'apr-a-race', 'apr-a-reject', 'apr-a-twice']);
    expect((await call(cp.url, 'GET', '/v1/approvals/apr-a-pending', { key: keys['approver'] })).body.status).toBe('pending');
  });
});

describe('/v1/approvals', () => {
  it('shows the exact arguments, the rules and their reasons, and the agent’s recent decisions; lists by state', async () => {
    const got = await call(cp.url, 'GET', '/v1/approvals/apr-a-1', { key: keys['approver'] });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: 'apr-a-1',
      status: 'pending',
      agentId: 'refund-agent',
      tool: 'payments.refund',
      arguments: ARGS,
      ruleIds: ['refunds-over-500'],
      matchedRules: [{ ruleId: 'refunds-over-500', reason: 'Refunds over 500 need a person.' }],
      expiresAt: new Date(NOW + HOUR).toISOString(),
    });
    expect(got.body.recentDecisions.length).toBe(8);
    const expired = await call(cp.url, 'GET', '/v1/approvals?state=expired', { key: keys['auditor'] });
    expect(expired.body.items.map((r: { id: string }) => r.id)).toEqual(['apr-a-expired']);
    const first = await call(cp.url, 'GET', '/v1/approvals?limit=3', { key: keys['approver'] });
    const second = await call(cp.url, 'GET', `/v1/approvals?limit=3&cursor=${first.body.next}`, { key: keys['approver'] });
    expect(first.body.items.length + second.body.items.length).toBe(6);
    expect(new Set([...first.body.items, ...second.body.items].map((r: { id: string }) => r.id)).size).toBe(6);
  });

  it('lets only an approver approve or reject: admin, policy author, auditor and read-only keys get 403, an agent token 401', async () => {
    for (const key of [a.key, keys['policy_author'], keys['auditor'], keys['read_only']]) {
      for (const verdict of ['approve', 'reject']) {
        const answer = await call(cp.url, 'POST', `/v1/approvals/apr-a-pending/${verdict}`, { key, body: {} });
        expect([answer.status, answer.body.code]).toEqual([403, 'auth.forbidden_role']);
      }
    }
    const agent = await call(cp.url, 'POST', '/v1/agents', { key: a.key, body: { name: 'refund-agent-2' } });
    expect((await call(cp.url, 'POST', '/v1/approvals/apr-a-pending/approve', { key: agent.body.token, body: {} })).status).toBe(401);
    expect((await call(cp.url, 'GET', '/v1/approvals/apr-a-pending', { key: keys['approver'] })).body.status).toBe('pending');
  });

  it('never shows or decides another tenant’s request: 404, by id, and nothing changes', async () => {
    expect(await call(cp.url, 'GET', '/v1/approvals/apr-a-pending', { key: keys['approverOfB'] })).toMatchObject({ status: 404, body: { code: 'approval.not_found' } });
    expect(await call(cp.url, 'POST', '/v1/approvals/apr-a-pending/approve', { key: keys['approverOfB'], body: {} })).toMatchObject({ status: 404, body: { code: 'approval.not_found' } });
    expect(await call(cp.url, 'POST', '/v1/approvals/apr-a-pending/reject', { key: keys['approverOfB'], body: {} })).toMatchObject({ status: 404, body: { code: 'approval.not_found' } });
    expect((await call(cp.url, 'GET', '/v1/approvals', { key: keys['approverOfB'] })).body.items.map((r: { id: string }) => r.id)).toEqual(['apr-b-1']);
    expect((await call(cp.url, 'GET', '/v1/approvals/apr-a-pending', { key: keys['approver'] })).body.status).toBe('pending');
    expect(await call(cp.url, 'GET', '/v1/approvals/no-such-request', { key: keys['approver'] })).toMatchObject({ status: 404, body: { code: 'approval.not_found' } });
  });

  it('lets two tenants whose enforcers chose the same request id each decide their own', async () => {
    expect((await ingest([requestEvent(a.tenantId, 'apr-same-id'), requestEvent(b.tenantId, 'apr-same-id')])).inserted).toBe(2);
    expect((await call(cp.url, 'POST', '/v1/approvals/apr-same-id/reject', { key: keys['approverOfB'], body: {} })).body.status).toBe('rejected');
    expect((await approve('apr-same-id')).body.status).toBe('approved');
  });

  it('decides once, before expiry: twice → 409 approval.already_decided, expired → 409 approval.expired; both in the audit trail', async () => {
    const approved = await approve('apr-a-twice');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: `key:${approverKeyId}`, comment: 'ok, customer called' });
    expect(await approve('apr-a-twice')).toMatchObject({ status: 409, body: { code: 'approval.already_decided' } });
    expect(await call(cp.url, 'POST', '/v1/approvals/apr-a-twice/reject', { key: keys['approver'], body: {} })).toMatchObject({ status: 409, body: { code: 'approval.already_decided' } });
    expect(await approve('apr-a-expired')).toMatchObject({ status: 409, body: { code: 'approval.expired' } });
    expect((await call(cp.url, 'POST', '/v1/approvals/apr-a-reject/reject', { key: keys['approver'], body: { comment: 'not this customer' } })).body.status).toBe('rejected');
    expect(await approve('apr-a-1', keys['approver'], { comment: 'x'.repeat(1001) })).toMatchObject({ status: 400 });
    expect(await approve('apr-a-1', keys['approver'], { comment: 'nul \u0000 here' })).toMatchObject({ status: 400 });
    expect(await call(cp.url, 'POST', '/v1/approvals/apr-a-1/approve', { key: keys['approver'], raw: '{"comment":"half \\ud800 a pair"}' })).toMatchObject({ status: 400 });
    expect((await call(cp.url, 'GET', '/v1/approvals/apr-a-1', { key: keys['approver'] })).body.status).toBe('pending');
    const audit = await call(cp.url, 'GET', '/v1/audit?limit=500', { key: a.key });
    const steps = audit.body.items.filter((e: { type: string }) => e.type.startsWith('approval.'));
    expect(steps.map((e: { type: string; streamId: string; actor: string }) => [e.type, e.streamId, e.actor])).toEqual([
      ['approval.approved', `approval-${a.tenantId}-apr-same-id`, `key:${approverKeyId}`],
      ['approval.approved', `approval-${a.tenantId}-apr-a-twice`, `key:${approverKeyId}`],
      ['approval.rejected', `approval-${a.tenantId}-apr-a-reject`, `key:${approverKeyId}`],
    ]);
  });

  it('publishes each decision signed: the control plane’s own ingestion and a ledger reading its key directory both believe it', async () => {
    const [row] = await queryAsTenant<{ decision_event: Buffer }>(cp, a.tenantId, "SELECT decision_event FROM approval_requests WHERE id = 'apr-a-twice'");
    const event = fromBinary(DecisionEventSchema, row!.decision_event);
    expect(event).toMatchObject({
      tenantId: a.tenantId,
      agentId: 'refund-agent',
      tool: 'payments.refund',
      argumentsDigest: 'd'.repeat(64),
      resource: 'payments/orders',
      credentialFingerprint: 'f'.repeat(64),
      effect: Effect.ALLOW,
      enforcerId: CONTROL_PLANE_INSTANCE,
      matchedRules: [{ ruleId: 'approval:apr-a-twice', kind: RuleKind.APPROVAL }],
      approval: { kind: ApprovalStep_Kind.APPROVED, requestId: 'apr-a-twice', decidedBy: `key:${approverKeyId}`, comment: 'ok, customer called' },
    });
    expect(event.receipt?.receiptVersion).toBe(3);
    // Published to the decision topic and ingested back, verified like any enforcer's decision.
    const records = cp.app.get(DecisionRecordsRepository);
    const recorded = await waitFor('the approval ingested from Kafka', async () => (await records.find(a.tenantId, event.decisionId)) ?? false);
    expect(recorded).toMatchObject({ outcome: 'allow', enforcerId: CONTROL_PLANE_INSTANCE, matchedRules: [{ ruleId: 'approval:apr-a-twice', kind: 'approval', effect: 'allow' }] });
    // A ledger believes it through the published directory, for this tenant; not for another. (The
    // tenant's keys are republished when its enforcer announces one; the test's was written directly.)
    cp.app.get(ReceiptKeyPublisher).changed(a.tenantId);
    const verdict = await waitFor('the control plane key in the directory', () => {
      const v = judgeDecisionEvent(event, directory.current!.keysOf(a.tenantId));
      return v.ok ? v : false;
    });
    expect(verdict).toEqual({ ok: true });
    const moved = fromBinary(DecisionEventSchema, toBinary(DecisionEventSchema, event));
    moved.tenantId = b.tenantId;
    expect(judgeDecisionEvent(moved, directory.current!.keysOf(b.tenantId)).ok).toBe(false);
  });
});

describe('ConsumeApproval and GetApprovalStatus', () => {
  it('of 10 enforcers presenting one approval at once, exactly one gets USED', async () => {
    expect((await approve('apr-a-race')).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => consume(enforcerOfA, theCall(a.tenantId, 'apr-a-race', `use-${i}`))));
    expect(answers.filter((r) => r.result === Result.USED)).toHaveLength(1);
    expect(answers.filter((r) => r.result === Result.ALREADY_USED)).toHaveLength(9);
    const winner = answers.findIndex((r) => r.result === Result.USED);
    expect(answers[winner]!.decidedBy).toBe(`key:${approverKeyId}`);
    // The winner asking again (a retried call) is told USED; the approval is still used once.
    expect((await consume(enforcerOfA, theCall(a.tenantId, 'apr-a-race', `use-${winner}`))).result).toBe(Result.USED);
    const [row] = await queryAsTenant<{ used_by_decision: string }>(cp, a.tenantId, "SELECT used_by_decision FROM approval_requests WHERE id = 'apr-a-race'");
    expect(row!.used_by_decision).toBe(`use-${winner}`);
    expect((await approvalStatus(enforcerOfA, a.tenantId, 'refund-agent', 'apr-a-race')).state).toBe(ApprovalStatus_State.USED);
  });

  it('uses an approval only for the exact call: each binding field differing is MISMATCH, another agent NOT_FOUND', async () => {
    expect((await approve('apr-a-mismatch')).status).toBe(200);
    const exact = theCall(a.tenantId, 'apr-a-mismatch', 'mm-0');
    for (const [field, value] of [
      ['tool', 'payments.refund_all'],
      ['argumentsDigest', 'e'.repeat(64)],
      ['resource', 'payments/all-orders'],
      ['credentialFingerprint', '0'.repeat(64)],
    ] as const) {
      expect((await consume(enforcerOfA, { ...exact, [field]: value })).result, field).toBe(Result.MISMATCH);
    }
    expect((await consume(enforcerOfA, { ...exact, agentId: 'other-agent' })).result).toBe(Result.NOT_FOUND);
    expect((await consume(enforcerOfA, exact)).result).toBe(Result.USED);
  });

  it('says why an approval cannot be used: pending, rejected, expired, unknown', async () => {
    expect((await consume(enforcerOfA, theCall(a.tenantId, 'apr-a-pending', 'p-1'))).result).toBe(Result.PENDING);
    expect((await consume(enforcerOfA, theCall(a.tenantId, 'apr-a-reject', 'r-1'))).result).toBe(Result.REJECTED);
    expect((await consume(enforcerOfA, theCall(a.tenantId, 'apr-a-expired', 'e-1'))).result).toBe(Result.EXPIRED);
    expect((await consume(enforcerOfA, theCall(a.tenantId, 'no-such', 'n-1'))).result).toBe(Result.NOT_FOUND);
    expect((await approvalStatus(enforcerOfA, a.tenantId, 'refund-agent', 'apr-a-reject')).state).toBe(ApprovalStatus_State.REJECTED);
    expect((await approvalStatus(enforcerOfA, a.tenantId, 'refund-agent', 'apr-a-expired')).state).toBe(ApprovalStatus_State.EXPIRED);
    expect((await approvalStatus(enforcerOfA, a.tenantId, 'refund-agent', 'apr-a-pending')).state).toBe(ApprovalStatus_State.PENDING);
  });

  it('scopes both to the enforcer’s tenants, the tenant and the agent', async () => {
    // Tenant B's enforcer for tenant A's request: refused; for its own tenant, A's id is no request of B's.
    expect(await refusal(consume(enforcerOfB, theCall(a.tenantId, 'apr-a-pending', 'x-1')))).toEqual({ code: 'PERMISSION_DENIED', errorCode: 'TENANT_NOT_ALLOWED' });
    expect(await refusal(approvalStatus(enforcerOfB, a.tenantId, 'refund-agent', 'apr-a-pending'))).toEqual({ code: 'PERMISSION_DENIED', errorCode: 'TENANT_NOT_ALLOWED' });
    expect((await consume(enforcerOfB, theCall(b.tenantId, 'apr-a-pending', 'x-2'))).result).toBe(Result.NOT_FOUND);
    expect(await refusal(approvalStatus(enforcerOfA, a.tenantId, 'other-agent', 'apr-a-pending'))).toEqual({ code: 'NOT_FOUND', errorCode: 'APPROVAL_NOT_FOUND' });
    expect(await refusal(consume('thoth_et_forged', theCall(a.tenantId, 'apr-a-pending', 'x-3')))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await call(cp.url, 'GET', '/v1/approvals/apr-a-pending', { key: keys['approver'] })).body.status).toBe('pending');
  });
});

describe('the approval alert', () => {
  it('goes to the tenant’s destinations with a signed link to the request’s page', async () => {
    const alerts = (await call(cp.url, 'GET', '/v1/alerts?limit=100', { key: a.key })).body.items as Array<{ id: string; decisionId: string; kind: string }>;
    const alert = alerts.find((x) => x.decisionId === 'apr-a-page');
    expect(alert?.kind).toBe('approval');
    const [row] = await queryAsTenant<{ document: { approval: { url: string; requestId: string } } }>(cp, a.tenantId, 'SELECT document FROM alerts WHERE alert_id = $1', [alert!.id]);
    const url = new URL(row!.document.approval.url);
    expect(url.origin + url.pathname).toBe('https://thoth.example/v1/approvals/apr-a-page/html');
    const page = await fetch(`${cp.url}${url.pathname}${url.search}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\&quot;refund\\&quot;');
    expect(html).not.toContain('<script>alert(1)</script>');
    // The link opens this request only, and proves nothing once changed.
    expect((await fetch(`${cp.url}/v1/approvals/apr-a-pending/html${url.search}`)).status).toBe(403);
    expect((await fetch(`${cp.url}${url.pathname}?token=${url.searchParams.get('token')!.slice(0, -2)}xx`)).status).toBe(401);
    expect((await fetch(`${cp.url}${url.pathname}`)).status).toBe(401);
  });
});
