import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { DecisionIngestion } from '../../src/modules/decisions/index.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { GenerateShadowReportCommand } from '../../src/modules/shadow-report/commands/generate-shadow-report/generate-shadow-report.command.js';
import { REPORT_LEASE_MS, TrialScheduler } from '../../src/modules/trial/index.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';
import { ownDatabase } from './support/own-database.js';
import { waitFor } from './support/wait.js';

// The seven-day trial's end on the injectable clock: recorded once (two replicas racing), the
// day-seven report dispatched once over the trial window and named by GET /v1/tenant, a failed
// report tried again after the lease, and the tenant left in shadow mode.

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-06-01T12:00:00.000Z');
const clock = new FixedClock(T0);
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let database: Awaited<ReturnType<typeof ownDatabase>>;
let replicas: ControlPlane[];

/** Stands in for the shadow-report module's handler: records what it was asked, answers a report id. */
const reports = {
  calls: [] as GenerateShadowReportCommand[],
  failNext: 0,
};

@CommandHandler(GenerateShadowReportCommand)
class FakeShadowReports implements ICommandHandler<GenerateShadowReportCommand> {
  async execute(command: GenerateShadowReportCommand): Promise<{ reportId: string }> {
    if (reports.failNext > 0) {
      reports.failNext--;
      throw new Error('report storage unavailable');
    }
    reports.calls.push(command);
    return { reportId: `report-${reports.calls.length}` };
  }
}

function useFakeReports(cp: ControlPlane): void {
  const id = (Reflect.getMetadata('__command__', GenerateShadowReportCommand) as { id: string }).id;
  // The bus's own binding of a static instance, as Nest does for a singleton handler.
  (cp.app.get(CommandBus) as unknown as { bind(wrapper: unknown, id: string): void }).bind({ isDependencyTreeStatic: () => true, instance: new FakeShadowReports() }, id);
}

const runDue = (cp: ControlPlane) => cp.app.get(TrialScheduler).runDue();
const tenantView = async (cp: ControlPlane, key: string) => (await call(cp.url, 'GET', '/v1/tenant', { key })).body;
const trialEvents = (cp: ControlPlane, tenantId: string) =>
  queryAsTenant<{ type: string; version: number }>(cp, tenantId, `SELECT type, version FROM events WHERE stream_id = $1 ORDER BY version`, [`trial-${tenantId}`]);

beforeAll(async () => {
  role = await createAppLoginRole();
  // The scheduler ends every due trial in its database: this file's tenants only, then.
  database = await ownDatabase(role.url, 'trial');
  replicas = [await startControlPlane(database.url, {}, clock), await startControlPlane(database.url, {}, clock)];
  replicas.forEach(useFakeReports);
});
afterAll(async () => {
  for (const cp of replicas ?? []) await cp.close();
  await database?.drop();
  await role?.drop();
});

describe('the trial scheduler', () => {
  it('at day seven records the end once, produces the report over the trial window, and leaves the tenant in shadow', async () => {
    const [cp] = replicas as [ControlPlane];
    clock.current = T0;
    const a = await signUp(cp.url, 'Trial A');
    reports.calls.length = 0;

    clock.current = new Date(T0.getTime() + 7 * DAY_MS - 1);
    expect((await runDue(cp)).reported).toEqual([]);
    expect((await tenantView(cp, a.key)).trial).toMatchObject({ active: true, status: 'active', reportId: null });

    clock.current = new Date(T0.getTime() + 7 * DAY_MS);
    expect((await tenantView(cp, a.key)).trial).toMatchObject({ active: false, status: 'ending', endedAt: null, reportId: null });
    const run = await runDue(cp);
    expect(run.reported).toEqual([{ tenantId: a.tenantId, reportId: 'report-1', attempt: 1 }]);
    expect(reports.calls).toEqual([
      expect.objectContaining({ tenantId: a.tenantId, trigger: 'trial_ended', actor: 'system:trial-scheduler', window: { from: T0, to: new Date(T0.getTime() + 7 * DAY_MS) } }),
    ]);

    const tenant = await tenantView(cp, a.key);
    expect(tenant).toMatchObject({
      mode: 'shadow',
      trial: { endsAt: '2026-06-08T12:00:00.000Z', active: false, status: 'ended', endedAt: '2026-06-08T12:00:00.000Z', reportId: 'report-1' },
    });
    // Nothing more to do, however often the scheduler runs.
    clock.current = new Date(T0.getTime() + 30 * DAY_MS);
    expect(await runDue(cp)).toMatchObject({ reported: [], failed: [] });
    expect(reports.calls).toHaveLength(1);
    expect(await trialEvents(cp, a.tenantId)).toEqual([
      { type: 'trial.ended', version: 1 },
      { type: 'trial.report_recorded', version: 2 },
    ]);
    const audit = await call(cp.url, 'GET', '/v1/audit', { key: a.key });
    expect(audit.body.items.filter((e: { type: string }) => e.type.startsWith('trial.')).map((e: { actor: string }) => e.actor)).toEqual([
      'system:trial-scheduler',
      'system:trial-scheduler',
    ]);

    // Enforcing stays the tenant's one call.
    const etag = (await call(cp.url, 'GET', '/v1/tenant', { key: a.key })).headers.get('etag')!;
    const switched = await call(cp.url, 'PUT', '/v1/tenant/mode', { key: a.key, body: { mode: 'enforce' }, headers: { 'if-match': etag } });
    expect([switched.status, switched.body.mode]).toEqual([200, 'enforce']);
    expect((await tenantView(cp, a.key)).trial).toMatchObject({ status: 'ended', reportId: 'report-1' });
  });

  it('two replicas running at once end the trial once and produce one report', async () => {
    const [one, two] = replicas as [ControlPlane, ControlPlane];
    clock.current = T0;
    const tenants = [await signUp(one.url, 'Race 1'), await signUp(two.url, 'Race 2'), await signUp(one.url, 'Race 3')];
    reports.calls.length = 0;
    clock.current = new Date(T0.getTime() + 7 * DAY_MS + 1);
    // A replica's second call joins its running pass; the two replicas race each other.
    const runs = await Promise.all([runDue(one), runDue(two), runDue(one), runDue(two)]);
    expect(runs[2]).toBe(runs[0]);
    const reported = [runs[0]!, runs[1]!].flatMap((r) => r.reported.map((x) => x.tenantId));
    expect(reported.sort()).toEqual(tenants.map((t) => t.tenantId).sort());
    expect(reports.calls.map((c) => c.tenantId).sort()).toEqual(tenants.map((t) => t.tenantId).sort());
    for (const t of tenants) {
      expect(await trialEvents(one, t.tenantId)).toEqual([
        { type: 'trial.ended', version: 1 },
        { type: 'trial.report_recorded', version: 2 },
      ]);
    }
  });

  it('a report that fails is tried again once the lease has passed, by any replica', async () => {
    const [one, two] = replicas as [ControlPlane, ControlPlane];
    clock.current = T0;
    const b = await signUp(one.url, 'Trial B');
    reports.calls.length = 0;
    reports.failNext = 1;
    const end = T0.getTime() + 7 * DAY_MS;

    clock.current = new Date(end + 1000);
    expect((await runDue(one)).failed).toEqual([{ tenantId: b.tenantId, error: 'report storage unavailable' }]);
    expect((await tenantView(one, b.key)).trial).toMatchObject({ status: 'ended', reportId: null });

    clock.current = new Date(end + 1000 + REPORT_LEASE_MS - 1);
    expect((await runDue(two)).reported).toEqual([]);
    clock.current = new Date(end + 1000 + REPORT_LEASE_MS);
    expect((await runDue(two)).reported).toEqual([{ tenantId: b.tenantId, reportId: 'report-1', attempt: 2 }]);
    expect((await tenantView(one, b.key)).trial).toMatchObject({ status: 'ended', endedAt: new Date(end + 1000).toISOString(), reportId: 'report-1' });
    expect((await trialEvents(one, b.tenantId)).map((e) => e.type)).toEqual(['trial.ended', 'trial.report_retried', 'trial.report_recorded']);
  });
});

describe('the periodic tick (config.trial)', () => {
  it('ends due trials by itself, without runDue being called', async () => {
    const tickClock = new FixedClock(T0);
    const ticking = await startControlPlane(database.url, { trial: { tickMs: 50 } }, tickClock);
    try {
      useFakeReports(ticking);
      const d = await signUp(ticking.url, 'Ticking');
      tickClock.current = new Date(T0.getTime() + 7 * DAY_MS);
      const trial = await waitFor('the tick to end the trial', async () => {
        const t = (await tenantView(ticking, d.key)).trial;
        return t.reportId ? t : undefined;
      });
      expect(trial).toMatchObject({ status: 'ended', reportId: expect.stringMatching(/^report-/) });
    } finally {
      await ticking.close();
    }
  });
});

describe('on PGlite (the embedded default)', () => {
  let embedded: ControlPlane | undefined;
  afterAll(async () => {
    await embedded?.close();
  });

  it('ends the trial, names the report, and serves ingested decisions', async () => {
    const embeddedClock = new FixedClock(T0);
    embedded = await startControlPlane('pglite:memory', { migrate: true }, embeddedClock);
    useFakeReports(embedded);
    const c = await signUp(embedded.url, 'Embedded trial');
    await registerReceiptKey(new TenantDatabase(embedded.database), c.tenantId);
    const outcome = await embedded.app
      .get(DecisionIngestion)
      .ingestor.ingest(['e-1', 'e-2'].map((decisionId) => ({ decision: recordOfEvent(decisionEvent({ tenantId: c.tenantId, decisionId })), from: 'test' })));
    expect(outcome).toMatchObject({ inserted: 2 });
    expect((await call(embedded.url, 'GET', '/v1/decisions', { key: c.key })).body.items.map((d: { decisionId: string }) => d.decisionId).sort()).toEqual(['e-1', 'e-2']);

    reports.calls.length = 0;
    embeddedClock.current = new Date(T0.getTime() + 7 * DAY_MS);
    const run = await runDue(embedded);
    expect(run.reported).toEqual([{ tenantId: c.tenantId, reportId: 'report-1', attempt: 1 }]);
    expect((await tenantView(embedded, c.key)).trial).toMatchObject({ status: 'ended', reportId: 'report-1' });
  });
});
