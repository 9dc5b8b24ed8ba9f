import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { alertsConfig, decisions, ingest, WebhookReceiver } from './alerts.support.js';
import { call, signUp, startControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// The embedded default (PGlite, one connection): the same outbox, claim function and worker.
let cp: ControlPlane;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  cp = await startControlPlane('pglite:memory', { migrate: true, alerts: alertsConfig() });
});
afterAll(async () => {
  await cp?.close();
  await receiver.stop();
});

describe('alerts on PGlite', () => {
  it('enqueues in the ingest transaction and delivers signed webhooks, retries included', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Embedded Alerts');
    const url = await receiver.start();
    const created = await call(cp.url, 'POST', '/v1/alert-destinations', { key, body: { kind: 'webhook', name: 'local-soc', url: `${url}/hook` } });
    expect(created.status).toBe(201);
    receiver.secrets = [created.body.secret];
    receiver.failures = () => 1;
    await ingest(cp, [decisions.block(tenantId, 'emb-1'), decisions.driftFlag(tenantId, 'emb-2'), decisions.allow(tenantId, 'emb-3')]);

    const items = await waitFor('2 alerts delivered', async () => {
      const list = (await call(cp.url, 'GET', '/v1/alerts', { key })).body.items as Array<{ id: string; status: string; attempts: number }>;
      return list.length === 2 && list.every((a) => a.status === 'delivered') ? list : undefined;
    });
    expect(items.map((a) => [receiver.accepted.get(a.id), a.attempts])).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(receiver.requests.every((r) => r.check?.ok === true)).toBe(true);
  });
});
