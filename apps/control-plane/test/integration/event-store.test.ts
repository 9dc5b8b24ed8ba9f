import { EventBus } from '@nestjs/cqrs';
import { openDatabase, type DatabaseHandle } from '@thoth/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { ConcurrencyError } from '../../src/event-store/concurrency.error.js';
import type { EventNotification } from '../../src/event-store/event-notifications.js';
import { EventRecorded } from '../../src/event-store/event-store.js';
import { PostgresEventStore } from '../../src/event-store/postgres-event-store.js';
import { ProjectionRegistry } from '../../src/event-store/projection.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import type { RecordedEvent } from '../../src/shared/domain/domain-event.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let first: ControlPlane;
let second: ControlPlane;
let database: DatabaseHandle;

beforeAll(async () => {
  role = await createAppLoginRole();
  [first, second] = await Promise.all([startControlPlane(role.url), startControlPlane(role.url)]);
  database = await openDatabase({ url: role.url, maxConnections: 12 });
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close(), database?.close()]);
  await role?.drop();
});

describe('event store on Postgres', () => {
  it('lets exactly one of many concurrent appends at the same version win; the stream has no gap or duplicate', async () => {
    const published: RecordedEvent[] = [];
    const store = new PostgresEventStore(new TenantDatabase(database), new ProjectionRegistry(), (events) => published.push(...events));
    const tenantId = crypto.randomUUID();
    const streamId = `test-${tenantId}`;
    const metadata = { actor: 'test', requestId: 'r' };
    await store.append({ tenantId, streamId, expectedVersion: 0, events: [{ type: 'test.created', schemaVersion: 1, payload: {} }], metadata });

    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.append({ tenantId, streamId, expectedVersion: 1, events: [{ type: 'test.changed', schemaVersion: 1, payload: { i } }], metadata }),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const losers = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(losers).toHaveLength(9);
    for (const loser of losers) expect(loser.reason).toBeInstanceOf(ConcurrencyError);

    const stream = await store.load(tenantId, streamId);
    expect(stream.map((e) => e.version)).toEqual([1, 2]);
    expect(published.map((e) => e.version)).toEqual([1, 2]);
    // Another tenant does not see the stream at all.
    expect(await store.load(crypto.randomUUID(), streamId)).toEqual([]);
  });

  it('two concurrent HTTP changes against the same If-Match: one 200, one 409', async () => {
    const { key } = await signUp(first.url, 'Racing');
    const [a, b] = await Promise.all([
      call(first.url, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' }, headers: { 'if-match': '"2"' } }),
      call(second.url, 'PUT', '/v1/tenant/fail-mode', { key, body: { failMode: 'open' }, headers: { 'if-match': '"2"' } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const audit = await call(first.url, 'GET', '/v1/audit', { key });
    expect(audit.body.items.map((e: { version: number }) => e.version)).toEqual([1, 2, 3]);
  });

  it('tells a second replica about events appended by the first (LISTEN/NOTIFY)', async () => {
    const heard: EventNotification[] = [];
    const unsubscribe = second.notifications.subscribe((n) => heard.push(n));
    const published: string[] = [];
    const onBus = first.app.get(EventBus).subscribe((e) => {
      if (e instanceof EventRecorded) published.push(`${e.record.tenantId} ${e.record.type}`);
    });
    try {
      const { tenantId, key } = await signUp(first.url, 'Heard');
      await expect.poll(() => heard.filter((n) => n.tenantId === tenantId).map((n) => n.type), { timeout: 5000 }).toEqual([
        'tenant.signed_up',
        'tenant.api_key_issued',
      ]);
      const mine = heard.filter((n) => n.tenantId === tenantId);
      expect(mine[0]).toMatchObject({ streamId: `tenant-${tenantId}`, version: 1, position: expect.any(BigInt) });
      // The second replica serves the new tenant at once: its key and its read models are in Postgres.
      const got = await call(second.url, 'GET', '/v1/tenant', { key });
      expect(got.body.id).toBe(tenantId);
      // In process, the replica that appended published the committed events on the cqrs EventBus.
      expect(published).toEqual([`${tenantId} tenant.signed_up`, `${tenantId} tenant.api_key_issued`]);
    } finally {
      onBus.unsubscribe();
      unsubscribe();
    }
  });
});

describe('projection rebuild', () => {
  it('emptying the read models and replaying the event store yields identical rows', async () => {
    const tenants = [await signUp(first.url, 'Rebuild A'), await signUp(first.url, 'Rebuild B')];
    const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
    await call(first.url, 'PUT', '/v1/tenant/mode', { key: a.key, body: { mode: 'enforce' } });
    const issued = await call(first.url, 'POST', '/v1/api-keys', { key: a.key, body: { name: 'ci', role: 'policy_author' } });
    await call(first.url, 'DELETE', `/v1/api-keys/${issued.body.id}`, { key: a.key });
    await call(first.url, 'PUT', '/v1/tenant/fail-mode', { key: b.key, body: { failMode: 'open' } });

    const before = await snapshot(tenants.map((t) => t.tenantId));
    expect(before[a.tenantId]!.api_keys).toHaveLength(2);

    // Damage the read models as the app role: drop A's rows entirely, falsify B's.
    await asAppRole(a.tenantId, async (client) => {
      await client.query('DELETE FROM api_keys');
      await client.query('DELETE FROM tenants');
    });
    await asAppRole(b.tenantId, (client) => client.query(`UPDATE tenants SET mode = 'enforce', name = 'tampered'`));
    expect(await snapshot(tenants.map((t) => t.tenantId))).not.toEqual(before);

    // Only this test's tenants: other test files share the database (and write events of their own).
    const report = await first.rebuildProjections(tenants.map((t) => t.tenantId));
    expect(report).toEqual({ tenants: 2, events: 8 });
    expect(await snapshot(tenants.map((t) => t.tenantId))).toEqual(before);
  });
});

async function asAppRole<T>(tenantId: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: role.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('thoth.tenant_id', $1, true)`, [tenantId]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}

async function snapshot(tenantIds: string[]): Promise<Record<string, Record<string, unknown[]>>> {
  const out: Record<string, Record<string, unknown[]>> = {};
  for (const tenantId of tenantIds) {
    out[tenantId] = await asAppRole(tenantId, async (client) => {
      // Every read model (every tenant table but the event store), whoever's context added it.
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name = 'tenant_id' AND table_name <> 'events' ORDER BY table_name`,
      );
      const rows: Record<string, unknown[]> = {};
      for (const { table_name } of tables.rows) {
        const result = await client.query(`SELECT * FROM "${table_name}"`);
        rows[table_name] = result.rows.map((r) => JSON.stringify(r)).sort();
      }
      return rows;
    });
  }
  return out;
}

describe('event notifications', () => {
  it('reconnect after the server drops the listening connection', async () => {
    const heard: string[] = [];
    const unsubscribe = second.notifications.subscribe((n) => heard.push(n.tenantId));
    try {
      // Terminate the replicas' LISTEN sessions, as a failover or an idle timeout would (a role
      // may signal its own sessions).
      const client = new pg.Client({ connectionString: role.url });
      await client.connect();
      try {
        const sessions = await client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN thoth_events' AND usename = $1`,
          [new URL(role.url).username],
        );
        expect(sessions.rows.length).toBeGreaterThanOrEqual(2);
        for (const { pid } of sessions.rows) await client.query('SELECT pg_terminate_backend($1)', [pid]);
      } finally {
        await client.end();
      }
      // After the reconnect delay, appends are heard again.
      await expect
        .poll(
          async () => {
            const { tenantId } = await signUp(first.url, 'After failover');
            await new Promise((r) => setTimeout(r, 200));
            return heard.includes(tenantId);
          },
          { timeout: 15_000, interval: 500 },
        )
        .toBe(true);
    } finally {
      unsubscribe();
    }
  });
});
