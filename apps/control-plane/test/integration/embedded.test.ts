import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import type { EventNotification } from '../../src/event-store/event-notifications.js';
import { call, signUp, startControlPlane } from './support/control-plane.js';

// The embedded default: PGlite in process (one superuser), migrated at boot. The app still
// runs every query as thoth_app, so row-level security holds there too.
let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane('pglite:memory', { migrate: true });
});
afterAll(async () => {
  await cp?.close();
});

describe('control plane on PGlite (embedded default)', () => {
  it('signs up, authenticates, changes mode, notifies and rebuilds', async () => {
    const heard: EventNotification[] = [];
    cp.notifications.subscribe((n) => heard.push(n));
    const { key, tenantId } = await signUp(cp.url, 'Embedded');
    const mode = await call(cp.url, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' } });
    expect([mode.status, mode.body.mode]).toEqual([200, 'enforce']);
    await expect.poll(() => heard.map((n) => n.type)).toContain('tenant.mode_switched');

    const report = await cp.rebuildProjections();
    expect(report).toEqual({ tenants: 1, events: 3 });
    const after = await call(cp.url, 'GET', '/v1/tenant', { key });
    expect(after.body).toMatchObject({ id: tenantId, mode: 'enforce', version: 3 });
  });

  it('shows no tenant rows to thoth_app without a tenant', async () => {
    const counts = await cp.database.sql.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE thoth_app');
      return tx.query<{ n: string }>('SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM events) + (SELECT count(*) FROM api_keys) AS n');
    });
    expect(Number(counts[0]!.n)).toBe(0);
  });
});
