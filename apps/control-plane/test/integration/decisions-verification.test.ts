import { clone, toBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, Effect, Outcome, Severity, type DecisionEvent } from '@thoth/contracts';
import { generateSigningKey, signerFromSeed, signReceipt } from '@thoth/snapshot';
import { decisionQuarantine } from '@thoth/db';
import { createTestTopics, testKafka, testKafkaConnection } from '@thoth/testing';
import { asc } from 'drizzle-orm';
import type { Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { decisionEvent, registerReceiptKey, signDecisionEvent } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { DecisionIngestion, DecisionRecordsRepository, type IngestOutcome } from '../../src/modules/decisions/index.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { alertsConfig } from './alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// Issue 15, acceptance 1 (the control plane's half): on the real broker and Postgres, decisions
// are believed only when signed, over the whole event, by a key an enforcer of the event's own
// tenant announced. A forged event, another tenant's enforcer's, and a replay with one field
// changed are quarantined with their reasons; the real decisions beside them flow through.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let topic: string;
let producer: Producer;
let a: { tenantId: string; key: string };
let b: { tenantId: string; key: string };

const keyOfA = signerFromSeed(generateSigningKey());
const keyOfB = signerFromSeed(generateSigningKey());
const unregistered = signerFromSeed(generateSigningKey());

/** The tenant's quarantined decisions, under its row-level security. */
const quarantined = (tenantId: string) =>
  new TenantDatabase(cp.database).transaction(tenantId, (tx) =>
    tx.select({ decisionId: decisionQuarantine.decisionId, reasonCode: decisionQuarantine.reasonCode }).from(decisionQuarantine).orderBy(asc(decisionQuarantine.decisionId)),
  );
const totals = (): IngestOutcome => cp.app.get(DecisionIngestion).totals();
const seen = (t: IngestOutcome) => t.inserted + t.duplicates + t.poison + t.unknownTenant + t.unattributed + Object.values(t.quarantined ?? {}).reduce((n, q) => n + q, 0);

beforeAll(async () => {
  role = await createAppLoginRole();
  [topic] = (await createTestTopics([{ name: `cp-verify-${randomBytes(3).toString('hex')}`, numPartitions: 1 }])) as [string];
  const kafka = { connection: testKafkaConnection(), topic, groupId: `cp-verify-${randomBytes(4).toString('hex')}`, sessionTimeoutMs: 10_000 };
  cp = await startControlPlane(role.url, { decisions: { kafka }, alerts: alertsConfig({ worker: false }) });
  a = await signUp(cp.url, 'Verify A');
  b = await signUp(cp.url, 'Verify B');
  const database = new TenantDatabase(cp.database);
  await registerReceiptKey(database, a.tenantId, keyOfA, 'edge-a');
  await registerReceiptKey(database, b.tenantId, keyOfB, 'edge-b');
  for (const { key } of [a, b]) {
    const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'webhook', name: 'soc', url: 'https://203.0.113.10/hook' } });
    expect(created.status).toBe(201);
  }
  producer = testKafka('cp-verify-test').producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await cp?.close();
  await role?.drop();
});

/** A denial with a high-severity rule (it raises an alert), signed by `signer` as process `enforcerId`. */
function denial(tenantId: string, decisionId: string, signer: typeof keyOfA, enforcerId: string): DecisionEvent {
  const event = decisionEvent({ tenantId, decisionId, effect: Effect.DENY, shadow: false, enforcerId });
  Object.assign(event.receipt!, { enforcerId, outcome: Outcome.DENY });
  return signDecisionEvent(event, signer);
}

/** A replay of the event with one field changed; its receipt as signed. */
function tampered(event: DecisionEvent, change: (e: DecisionEvent) => void): DecisionEvent {
  const copy = clone(DecisionEventSchema, event);
  change(copy);
  return copy;
}

describe('decisions verified before anything believes them (Kafka)', () => {
  it('quarantines forged, cross-tenant, tampered and downgraded events with their reasons; real decisions flow through', async () => {
    const realB = denial(b.tenantId, 'v-b-real', keyOfB, 'edge-b');
    const downgraded = decisionEvent({ tenantId: b.tenantId, decisionId: 'v-b-v1', effect: Effect.DENY, shadow: false, enforcerId: 'edge-b' });
    // A version 1 receipt, valid for what it signs (its own fields), under a key that signs whole events.
    const v1 = { receiptVersion: 1, eventDigest: '', batchSize: 0, batchIndex: 0, batchPath: [], outcome: Outcome.DENY, enforcerId: 'edge-b' };
    downgraded.receipt = signReceipt({ ...downgraded.receipt!, ...v1, argumentsDigest: downgraded.argumentsDigest, policyHash: downgraded.policyHash }, keyOfB);
    const events: Array<[DecisionEvent, string | undefined]> = [
      [denial(a.tenantId, 'v-a-real', keyOfA, 'edge-a'), undefined],
      [denial(b.tenantId, 'v-b-forged', unregistered, 'edge-b'), 'receipt.unknown_key'],
      [denial(b.tenantId, 'v-b-by-a', keyOfA, 'edge-a'), 'receipt.unknown_key'],
      // Replays come first: a forged copy of a decision id does not make the real one a duplicate.
      [tampered(realB, (e) => (e.resource = 'crm/all-contacts')), 'receipt.event_mismatch'],
      [tampered(realB, (e) => (e.matchedRules[0]!.severity = Severity.CRITICAL)), 'receipt.event_mismatch'],
      [tampered(realB, (e) => (e.tool = 'crm.export_all')), 'receipt.event_mismatch'],
      [denial(b.tenantId, 'v-b-other-process', keyOfB, 'edge-x'), 'receipt.wrong_enforcer'],
      [downgraded, 'receipt.downgraded'],
      [realB, undefined],
    ];
    await producer.send({ topic, acks: -1, messages: events.map(([e]) => ({ key: e.tenantId, value: Buffer.from(toBinary(DecisionEventSchema, e)) })) });

    const outcome = await waitFor('every message ingested', () => (seen(totals()) >= events.length ? totals() : undefined));
    expect(outcome).toEqual({
      inserted: 2,
      duplicates: 0,
      poison: 0,
      unknownTenant: 0,
      unattributed: 0,
      quarantined: { 'receipt.unknown_key': 2, 'receipt.event_mismatch': 3, 'receipt.wrong_enforcer': 1, 'receipt.downgraded': 1 },
    });

    const repository = cp.app.get(DecisionRecordsRepository);
    expect((await repository.inWindow(a.tenantId)).map((r) => r.decisionId)).toEqual(['v-a-real']);
    expect((await repository.inWindow(b.tenantId)).map((r) => r.decisionId)).toEqual(['v-b-real']);
    for (const { key } of [a, b]) {
      const alerts = (await call(cp.url, 'GET', '/v1/alerts', { key })).body.items as Array<{ decisionId: string }>;
      expect(alerts.map((x) => x.decisionId)).toEqual([key === a.key ? 'v-a-real' : 'v-b-real']);
    }

    const rows = await quarantined(b.tenantId);
    expect(rows.map((r) => [r.decisionId, r.reasonCode])).toEqual(
      events.filter(([, reason]) => reason !== undefined).map(([e, reason]) => [e.decisionId, reason]).sort(([x], [y]) => x!.localeCompare(y!)),
    );
    expect(await quarantined(a.tenantId)).toEqual([]);
  });

  it('releases what a key signed before it was announced (an enforcer deciding before its Hello is recorded): nothing real is lost', async () => {
    const restored = signerFromSeed(generateSigningKey());
    const before = totals();
    const early = denial(a.tenantId, 'v-a-early', restored, 'edge-a2');
    await producer.send({ topic, acks: -1, messages: [{ key: a.tenantId, value: Buffer.from(toBinary(DecisionEventSchema, early)) }] });
    await waitFor('the early decision quarantined', () => ((totals().quarantined['receipt.unknown_key'] ?? 0) > (before.quarantined['receipt.unknown_key'] ?? 0) ? true : undefined));
    expect(await cp.app.get(DecisionRecordsRepository).find(a.tenantId, 'v-a-early')).toBeUndefined();

    await registerReceiptKey(new TenantDatabase(cp.database), a.tenantId, restored, 'edge-a2');
    const next = denial(a.tenantId, 'v-a-next', restored, 'edge-a2');
    await producer.send({ topic, acks: -1, messages: [{ key: a.tenantId, value: Buffer.from(toBinary(DecisionEventSchema, next)) }] });
    await waitFor('both stored', () => (totals().inserted >= before.inserted + 2 ? true : undefined));
    const repository = cp.app.get(DecisionRecordsRepository);
    expect((await repository.inWindow(a.tenantId)).map((r) => r.decisionId).sort()).toEqual(['v-a-early', 'v-a-next', 'v-a-real']);
    expect(await quarantined(a.tenantId)).toEqual([]);
  });
});
