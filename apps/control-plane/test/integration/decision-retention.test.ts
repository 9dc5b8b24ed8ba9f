import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { DecisionIngestion, RETENTION_ACTOR, RetentionJob } from '../../src/modules/decisions/index.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';
import { ownDatabase } from './support/own-database.js';

// Acceptance 2 of issue 23 (docs/retention.md): on the injectable clock, the retention job removes
// from the decision read model what is past each tenant's own retention — decisions deleted,
// arguments cleared — keeps the rest and the other tenant's, and leaves its run in each tenant's
// audit trail. Real Postgres, as thoth_app under RLS; decisions arrive through the real ingestor.

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-09-01T00:00:00.000Z');
/** Each tenant's decisions, by how many days before NOW they were decided. */
const AGES = [100, 40, 10, 1];
const clock = new FixedClock(new Date(NOW.getTime() - 200 * DAY_MS));
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let database: Awaited<ReturnType<typeof ownDatabase>>;
let cp: ControlPlane;

beforeAll(async () => {
  role = await createAppLoginRole();
  // The job goes through every tenant of its database: this file's tenants only, then.
  database = await ownDatabase(role.url, 'retention');
  cp = await startControlPlane(database.url, {}, clock);
});
afterAll(async () => {
  await cp?.close();
  await database?.drop();
  await role?.drop();
});

async function tenantWithDecisions(name: string): Promise<{ tenantId: string; key: string }> {
  const tenant = await signUp(cp.url, name);
  await registerReceiptKey(new TenantDatabase(cp.database), tenant.tenantId);
  const events = AGES.map((age) =>
    decisionEvent({ tenantId: tenant.tenantId, decisionId: `d-${age}`, decidedAt: timestampFromMs(NOW.getTime() - age * DAY_MS) }),
  );
  const outcome = await cp.app.get(DecisionIngestion).ingestor.ingest(events.map((e) => ({ decision: recordOfEvent(e), from: 'test' })));
  expect(outcome).toMatchObject({ inserted: AGES.length });
  return tenant;
}

/** What the read model holds for the tenant, from the database: decision id → arguments kept. */
async function stored(tenantId: string): Promise<Record<string, boolean>> {
  const rows = await queryAsTenant<{ decision_id: string; kept: boolean }>(
    cp,
    tenantId,
    'SELECT decision_id, arguments IS NOT NULL AS kept FROM decision_records ORDER BY decision_id',
  );
  return Object.fromEntries(rows.map((r) => [r.decision_id, r.kept]));
}

const retentionEvents = (tenantId: string) =>
  queryAsTenant<{ payload: Record<string, unknown>; actor: string }>(
    cp,
    tenantId,
    `SELECT payload, metadata->>'actor' AS actor FROM events WHERE type = 'retention.applied' ORDER BY position`,
  );

const daysBefore = (days: number): string => new Date(NOW.getTime() - days * DAY_MS).toISOString();

describe('decision retention', () => {
  it("removes what is past each tenant's retention, keeps the rest, and audits the run per tenant", async () => {
    const short = await tenantWithDecisions('Short retention');
    const standard = await tenantWithDecisions('Default retention');

    const set = await call(cp.url, 'PUT', '/v1/tenant/retention', { key: short.key, body: { decisionDays: 30, argumentDays: 7 } });
    expect([set.status, set.body.retention]).toEqual([200, { decisionDays: 30, argumentDays: 7 }]);
    expect((await call(cp.url, 'GET', '/v1/tenant', { key: standard.key })).body.retention).toEqual({ decisionDays: 90, argumentDays: 30 });

    const everything = { 'd-1': true, 'd-10': true, 'd-100': true, 'd-40': true };
    expect(await stored(short.tenantId)).toEqual(everything);
    expect(await stored(standard.tenantId)).toEqual(everything);

    clock.current = NOW;
    const run = await cp.app.get(RetentionJob).runDue();

    // 30/7 days: 100 and 40 deleted, 10 kept without its arguments. 90/30 days: 100 deleted, 40 without its arguments.
    expect(await stored(short.tenantId)).toEqual({ 'd-1': true, 'd-10': false });
    expect(await stored(standard.tenantId)).toEqual({ 'd-1': true, 'd-10': true, 'd-40': false });
    expect(run.tenants).toEqual(
      expect.arrayContaining([
        { tenantId: short.tenantId, decisionsDeleted: 2, argumentsCleared: 1 },
        { tenantId: standard.tenantId, decisionsDeleted: 1, argumentsCleared: 1 },
      ]),
    );
    expect(run.tenants).toHaveLength(2);

    expect(await retentionEvents(short.tenantId)).toEqual([
      {
        actor: RETENTION_ACTOR,
        payload: {
          ranAt: NOW.toISOString(),
          decisionsDeleted: { count: 2, decidedBefore: daysBefore(30), days: 30 },
          argumentsCleared: { count: 1, decidedBefore: daysBefore(7), days: 7 },
        },
      },
    ]);
    expect(await retentionEvents(standard.tenantId)).toEqual([
      {
        actor: RETENTION_ACTOR,
        payload: {
          ranAt: NOW.toISOString(),
          decisionsDeleted: { count: 1, decidedBefore: daysBefore(90), days: 90 },
          argumentsCleared: { count: 1, decidedBefore: daysBefore(30), days: 30 },
        },
      },
    ]);
    const audit = await call(cp.url, 'GET', '/v1/audit?limit=500', { key: short.key });
    expect(audit.body.items.filter((e: { type: string }) => e.type === 'retention.applied')).toEqual([
      expect.objectContaining({ actor: RETENTION_ACTOR, type: 'retention.applied' }),
    ]);

    // A second run at the same time finds nothing past retention: nothing removed, nothing audited.
    expect((await cp.app.get(RetentionJob).runDue()).tenants).toEqual([]);
    expect(await retentionEvents(short.tenantId)).toHaveLength(1);
  });

  it('takes a retention from an admin only, within bounds, arguments kept no longer than decisions', async () => {
    const tenant = await signUp(cp.url, 'Retention settings');
    const reader = await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'dashboards', role: 'auditor' } });
    const forbidden = await call(cp.url, 'PUT', '/v1/tenant/retention', { key: reader.body.key, body: { decisionDays: 30, argumentDays: 7 } });
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'auth.forbidden_role']);
    const tooShort = await call(cp.url, 'PUT', '/v1/tenant/retention', { key: tenant.key, body: { decisionDays: 6, argumentDays: 6 } });
    expect([tooShort.status, tooShort.body.errors[0].path]).toEqual([400, '/decisionDays']);
    const inverted = await call(cp.url, 'PUT', '/v1/tenant/retention', { key: tenant.key, body: { decisionDays: 30, argumentDays: 60 } });
    expect([inverted.status, inverted.body.code]).toEqual([422, 'tenant.retention_invalid']);

    await call(cp.url, 'PUT', '/v1/tenant/retention', { key: tenant.key, body: { decisionDays: 365, argumentDays: 14 } });
    const audit = await call(cp.url, 'GET', '/v1/audit?limit=500', { key: tenant.key });
    expect(audit.body.items.at(-1)).toMatchObject({ type: 'tenant.retention_set', actor: `key:${tenant.keyId}` });
  });
});
