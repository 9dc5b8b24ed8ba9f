import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { AlertDeliveryWorker } from '../../src/modules/alerts/delivery/alert-delivery.worker.js';
import { AlertsRepository } from '../../src/modules/alerts/storage/alerts.repository.js';
import { alertsConfig, decisions, ingest, ownDatabase, WebhookReceiver } from './alerts.support.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';

// The delivery worker driven by hand on a fixed clock (its loop is off): leases, backoff and
// two replicas claiming the same outbox, with no waiting on the wall clock.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let database: Awaited<ReturnType<typeof ownDatabase>>;
let cp: ControlPlane;
let replica: ControlPlane;
const clock = new FixedClock(new Date('2026-11-02T09:00:00.000Z'));
const alerts = alertsConfig({ worker: false, delivery: { leaseMs: 10_000, backoff: { baseMs: 1_000, maxMs: 60_000 }, batchSize: 3 } });
const receiver = new WebhookReceiver();
let url: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  database = await ownDatabase(role.url);
  cp = await startControlPlane(database.url, { alerts }, clock);
  replica = await startControlPlane(database.url, { alerts }, clock);
  receiver.now = () => clock.now();
  url = await receiver.start();
});
afterAll(async () => {
  await replica?.close();
  await cp?.close();
  await receiver.stop();
  await database?.drop();
  await role?.drop();
});

const advance = (ms: number) => (clock.current = new Date(clock.current.getTime() + ms));

async function tenantWithWebhook(name: string): Promise<{ tenantId: string; key: string }> {
  const tenant = await signUp(cp.url, name);
  const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key: tenant.key, body: { kind: 'webhook', name: 'soc', url: `${url}/${name}` } });
  receiver.secrets.push(created.body.secret);
  return tenant;
}

describe('the alert delivery worker', () => {
  it('leaves an alert claimed by a worker that died claimable again once the lease ends, and the dead claim cannot settle it', async () => {
    const { tenantId, key } = await tenantWithWebhook('lease');
    await ingest(cp, [decisions.block(tenantId, 'lease-1')]);
    const outbox = cp.app.get(AlertsRepository);
    const worker = cp.app.get(AlertDeliveryWorker);

    // A worker claims the alert, then dies before sending it.
    const crashed = randomUUID();
    const claimed = await outbox.claimDue(clock.now(), new Date(clock.now().getTime() + alerts.delivery.leaseMs), crashed, 10);
    expect(claimed.map((c) => c.tenantId)).toEqual([tenantId]);

    expect(await worker.deliverDue()).toBe(0);
    advance(alerts.delivery.leaseMs - 1);
    expect(await worker.deliverDue()).toBe(0);
    advance(1);
    expect(await worker.deliverDue()).toBe(1);
    expect(receiver.accepted.get(claimed[0]!.alertId)).toBe(1);
    expect(await outbox.settle(tenantId, claimed[0]!.alertId, crashed, { status: 'dead_letter', at: clock.now(), error: 'late', countsAsAttempt: true })).toBe(false);
    const alert = (await call(cp.url, 'GET', `/v1/alerts/${claimed[0]!.alertId}`, { key })).body;
    expect(alert).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
  });

  it('waits out an exponential backoff with full jitter before each retry', async () => {
    const { tenantId, key } = await tenantWithWebhook('backoff');
    await ingest(cp, [decisions.block(tenantId, 'backoff-1')]);
    const worker = cp.app.get(AlertDeliveryWorker);
    worker.random = () => 0.5;
    receiver.failures = () => 3;
    const [alert] = (await call(cp.url, 'GET', '/v1/alerts', { key })).body.items;

    // Failed attempt n waits random·min(max, base·2^(n-1)) = 500, 1000, 2000 ms.
    for (const wait of [500, 1_000, 2_000]) {
      expect(await worker.deliverDue()).toBe(1);
      const now = (await call(cp.url, 'GET', `/v1/alerts/${alert.id}`, { key })).body;
      expect(now.nextAttemptAt).toBe(new Date(clock.now().getTime() + wait).toISOString());
      advance(wait - 1);
      expect(await worker.deliverDue()).toBe(0);
      advance(1);
    }
    expect(await worker.deliverDue()).toBe(1);
    expect((await call(cp.url, 'GET', `/v1/alerts/${alert.id}`, { key })).body).toMatchObject({ status: 'delivered', attempts: 4 });
    receiver.failures = () => 0;
    worker.random = Math.random;
  });

  it('lets two replicas claim one outbox side by side, each alert sent once (FOR UPDATE SKIP LOCKED)', async () => {
    const { tenantId, key } = await tenantWithWebhook('replicas');
    await ingest(cp, Array.from({ length: 12 }, (_, i) => decisions.block(tenantId, `replica-${i}`)));
    const workers = [cp.app.get(AlertDeliveryWorker), replica.app.get(AlertDeliveryWorker)];
    const claimedBy = [0, 0];
    for (;;) {
      const round = await Promise.all(workers.map((w) => w.deliverDue()));
      round.forEach((n, i) => (claimedBy[i]! += n));
      if (round.every((n) => n === 0)) break;
    }
    const items = (await call(cp.url, 'GET', '/v1/alerts?limit=100', { key })).body.items as Array<{ id: string; status: string }>;
    expect(items).toHaveLength(12);
    expect(items.every((a) => a.status === 'delivered')).toBe(true);
    expect(items.map((a) => receiver.accepted.get(a.id))).toEqual(new Array(12).fill(1));
    expect(claimedBy[0]! + claimedBy[1]!).toBe(12);
    expect(claimedBy.every((n) => n > 0)).toBe(true);
  });

  it('dead-letters the undelivered alerts of a deleted destination, sends it nothing new, and will not redeliver there', async () => {
    const { tenantId, key } = await tenantWithWebhook('deleted');
    const [destination] = (await call(cp.url, 'GET', '/v1/alert-destinations', { key })).body.items;
    await ingest(cp, [decisions.block(tenantId, 'deleted-1')]);
    expect((await call(cp.url, 'DELETE', `/v1/alert-destinations/${destination.id}`, { key })).status).toBe(204);
    await ingest(cp, [decisions.block(tenantId, 'deleted-2')]);
    const before = receiver.requests.length;
    expect(await cp.app.get(AlertDeliveryWorker).deliverDue()).toBe(1);
    expect(receiver.requests.length).toBe(before);
    const items = (await call(cp.url, 'GET', '/v1/alerts', { key })).body.items;
    expect(items).toEqual([expect.objectContaining({ decisionId: 'deleted-1', status: 'dead_letter', attempts: 0, lastError: 'the destination was deleted' })]);
    const redeliver = await call(cp.url, 'POST', `/v1/alerts/${items[0].id}/redeliver`, { key });
    expect([redeliver.status, redeliver.body.code]).toEqual([409, 'alert.destination_deleted']);
  });
});
