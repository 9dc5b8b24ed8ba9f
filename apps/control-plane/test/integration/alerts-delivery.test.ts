import { toBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import { createTestTopics, testKafka, testKafkaConnection } from '@thoth/testing';
import type { Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { registerReceiptKey, TEST_ENFORCER_KEY } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { DecisionIngestion } from '../../src/modules/decisions/index.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { alertsConfig, closedPort, decisions, ingest, ownDatabase, WebhookReceiver } from './alerts.support.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';
import { waitFor } from './support/wait.js';

// Acceptance 2 of issue 9: a real HTTP receiver verifies every webhook signature, answers 500
// a few times and then accepts: each alert is accepted exactly once. An unreachable receiver
// ends in the dead-letter list, nothing lost. Decisions arrive the production way (Kafka →
// decision read model → ingest hook → alert outbox) and two replicas deliver side by side.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let database: Awaited<ReturnType<typeof ownDatabase>>;
let cp: ControlPlane;
let replica: ControlPlane;
let topic: string;
let producer: Producer;
const alerts = alertsConfig();
const receiver = new WebhookReceiver();

beforeAll(async () => {
  role = await createAppLoginRole();
  database = await ownDatabase(role.url);
  [topic] = (await createTestTopics([{ name: `cp-alerts-${randomBytes(3).toString('hex')}`, numPartitions: 2 }])) as [string];
  const kafka = { connection: testKafkaConnection(), topic, groupId: `cp-alerts-${randomBytes(4).toString('hex')}`, sessionTimeoutMs: 10_000 };
  cp = await startControlPlane(database.url, { alerts, decisions: { kafka } });
  // A second replica on the same database, same secrets key: its worker claims beside the first.
  replica = await startControlPlane(database.url, { alerts });
  producer = testKafka('cp-alerts-test').producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await replica?.close();
  await cp?.close();
  await receiver.stop();
  await database?.drop();
  await role?.drop();
});

const listAlerts = async (key: string, query = '') => (await call(cp.url, 'GET', `/v1/alerts?limit=500${query}`, { key })).body.items as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test

describe('signed webhook alerts', () => {
  it('delivers every block and drift exactly once through a receiver that fails twice per alert, re-sending the same id and body', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Alerts Acceptance');
    await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
    const url = await receiver.start();
    const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'webhook', name: 'soc', url: `${url}/thoth` } });
    expect(created.status).toBe(201);
    receiver.secrets = [created.body.secret];
    receiver.failures = () => 2;

    const alerting: DecisionEvent[] = [
      decisions.block(tenantId, 'blk-1'),
      decisions.block(tenantId, 'blk-2'),
      decisions.block(tenantId, 'blk-3'),
      decisions.block(tenantId, 'blk-4'),
      decisions.driftFlag(tenantId, 'drift-flag-1'),
      decisions.driftFlag(tenantId, 'drift-flag-2'),
      decisions.driftShadowDeny(tenantId, 'drift-shadow-1'),
    ];
    const quiet = [decisions.allow(tenantId, 'allow-1'), decisions.shadowDeny(tenantId, 'shadow-1'), decisions.driftObserve(tenantId, 'drift-observe-1')];
    // Every message twice: Kafka redelivers, and the alert still exists once.
    const messages = [...alerting, ...quiet, ...alerting, ...quiet].map((event) => ({ key: `${tenantId}/crm-agent`, value: Buffer.from(toBinary(DecisionEventSchema, event)) }));
    await producer.send({ topic, acks: -1, messages });

    await waitFor('the decisions ingested', () => {
      const t = cp.app.get(DecisionIngestion).totals();
      return t.inserted + t.duplicates >= messages.length;
    });
    const delivered = await waitFor('7 alerts delivered', async () => {
      const items = await listAlerts(key);
      return items.length === 7 && items.every((a) => a.status === 'delivered') ? items : undefined;
    });

    expect(delivered.map((a) => a.decisionId).sort()).toEqual(alerting.map((e) => e.decisionId).sort());
    expect(Object.fromEntries(delivered.map((a) => [a.decisionId, a.kind]))).toMatchObject({ 'blk-1': 'block', 'drift-flag-1': 'drift', 'drift-shadow-1': 'drift' });
    for (const alert of delivered) {
      expect(alert).toMatchObject({ attempts: 3, lastError: 'HTTP 500: receiver down for maintenance', redeliveries: 0 });
      // Accepted exactly once, after two refusals of the same alert id and the same bytes.
      expect(receiver.accepted.get(alert.id), alert.id).toBe(1);
      const attempts = receiver.requests.filter((r) => r.headers['thoth-alert-id'] === alert.id);
      expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
      expect(JSON.parse(attempts[0]!.body).alertId).toBe(alert.id);
    }
    expect(receiver.accepted.size).toBe(7);
    expect(receiver.requests).toHaveLength(21);
    expect(receiver.requests.every((r) => r.check?.ok === true)).toBe(true);
    const [rows] = await queryAsTenant<{ n: string }>(cp, tenantId, 'SELECT count(*) AS n FROM alerts');
    expect(rows?.n).toBe('7');
    // The delivery history stays: the app's role may not delete an alert, even its tenant's own.
    await expect(queryAsTenant(cp, tenantId, 'DELETE FROM alerts')).rejects.toThrow(/permission denied for table alerts/);

    // What the SOC got: the decision summary, the signed receipt, the evidence link.
    const body = JSON.parse(receiver.requests.find((r) => r.status === 200 && JSON.parse(r.body).decision.decisionId === 'drift-shadow-1')!.body);
    expect(body).toMatchObject({
      type: 'thoth.alert.v1',
      tenantId,
      kind: 'drift',
      severity: 'high',
      decision: {
        decisionId: 'drift-shadow-1',
        agentId: 'crm-agent',
        tool: 'crm.delete_contact',
        resource: 'crm/contacts',
        credentialFingerprint: 'b'.repeat(64),
        source: { ip: '10.20.0.7', region: 'eu-west-1' },
        outcome: 'would_deny',
        shadow: true,
        matchedRules: [{ ruleId: 'sf-token-rate', kind: 'drift', effect: 'deny', severity: 'high', reason: 'rate 10.2x the learned p99 (41/min vs 4/min)' }],
      },
      receipt: { decisionId: 'drift-shadow-1', keyId: TEST_ENFORCER_KEY.keyId, tenantId },
      evidence: { url: 'https://ledger.thoth.test/v1/decisions/drift-shadow-1/evidence' },
    });
    expect(body.receipt.signature).toEqual(expect.any(String));
  });

  it('dead-letters what an unreachable receiver never takes, with attempts and last error; nothing is lost, and redelivery sends it', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Alerts Unreachable');
    const port = await closedPort();
    const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'webhook', name: 'gone', url: `http://127.0.0.1:${port}/thoth` } });
    expect(created.status).toBe(201);
    await ingest(cp, [1, 2, 3, 4].map((i) => decisions.block(tenantId, `dead-${i}`)));

    const dead = await waitFor('4 alerts dead-lettered', async () => {
      const items = await listAlerts(key, '&status=dead_letter');
      return items.length === 4 ? items : undefined;
    });
    for (const alert of dead) {
      expect(alert).toMatchObject({ status: 'dead_letter', attempts: alerts.delivery.maxAttempts, deliveredAt: null, nextAttemptAt: null });
      expect(alert.lastError).toMatch(/ECONNREFUSED.*\(gave up: after 5 attempts\)$/);
    }
    // Nothing lost: every enqueued alert is delivered or dead, none still pending.
    const all = await listAlerts(key);
    const count = (status: string) => all.filter((a) => a.status === status).length;
    expect([all.length, count('delivered') + count('dead_letter'), count('pending')]).toEqual([4, 4, 0]);

    // The receiver comes back on that port; the SOC redelivers the dead letters.
    const back = new WebhookReceiver();
    back.secrets = [created.body.secret];
    await back.start(port);
    try {
      for (const alert of dead) {
        const answer = await call(cp.url, 'POST', `/v1/alerts/${alert.id}/redeliver`, { key });
        expect([answer.status, answer.body.status, answer.body.attempts, answer.body.redeliveries]).toEqual([202, 'pending', 0, 1]);
      }
      await waitFor('the redelivered alerts delivered', async () => ((await listAlerts(key, '&status=delivered')).length === 4 ? true : undefined));
      expect([...back.accepted.values()]).toEqual([1, 1, 1, 1]);
      expect(back.requests.every((r) => r.check?.ok === true)).toBe(true);
      const again = await call(cp.url, 'POST', `/v1/alerts/${dead[0]!.id}/redeliver`, { key });
      expect([again.status, again.body.code]).toEqual([409, 'alert.not_dead_lettered']);
    } finally {
      await back.stop();
    }
  });
});
