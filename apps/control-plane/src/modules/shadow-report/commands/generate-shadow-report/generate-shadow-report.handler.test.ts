import type { NewShadowReportRow } from '@thoth/db';
import type { QueryBus } from '@nestjs/cqrs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../platform/clock/clock.js';
import { buildInventory } from '../../../credential-governance/domain/credential-inventory.js';
import type { ClassifyCredentialUsageQuery } from '../../../credential-governance/index.js';
import type { DecisionRecordsRepository } from '../../../decisions/index.js';
import type { PoliciesRepository } from '../../../policies/storage/policies.repository.js';
import type { TenantsRepository } from '../../../tenants/storage/tenants.repository.js';
import type { ShadowReport } from '../../domain/shadow-report.js';
import { DAY, decision, denyRule, T0, TENANT, wouldDeny } from '../../domain/test-fixtures.js';
import type { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { GenerateShadowReportCommand } from './generate-shadow-report.command.js';
import { GenerateShadowReportHandler } from './generate-shadow-report.handler.js';

const RECORDS = [decision({ at: T0 + DAY }), decision({ at: T0 + 2 * DAY, agentId: 'report-agent' }), wouldDeny({ at: T0 + 3 * DAY, tool: 'db.drop_table' }, denyRule('no-drops', 'critical'))];

function handler(now: number, tenant: { signedUpAt: Date; trialEndsAt: Date } | null = { signedUpAt: new Date(T0), trialEndsAt: new Date(T0 + 7 * DAY) }) {
  const stored: NewShadowReportRow[] = [];
  const windows: Array<{ from?: Date; to?: Date }> = [];
  const decisions = {
    async inWindow(_: string, w: { from?: Date; to?: Date }) {
      windows.push({ ...(w.from ? { from: w.from } : {}), ...(w.to ? { to: w.to } : {}) });
      return RECORDS.filter((r) => r.decidedAt >= w.from! && r.decidedAt < w.to!);
    },
  } as unknown as DecisionRecordsRepository;
  const tenants = { findTenant: async () => tenant ?? undefined } as unknown as TenantsRepository;
  const policies = { findCurrent: async () => undefined } as unknown as PoliciesRepository;
  const reports = { insert: async (row: NewShadowReportRow) => void stored.push(row) } as unknown as ShadowReportsRepository;
  const clock: Clock = { now: () => new Date(now) };
  // Credential governance as the bus answers: nothing registered, so every credential is unknown.
  const classified: ClassifyCredentialUsageQuery[] = [];
  const queries = {
    async execute(q: ClassifyCredentialUsageQuery) {
      classified.push(q);
      return buildInventory(q.usage, [], []);
    },
  } as unknown as QueryBus;
  return { h: new GenerateShadowReportHandler(decisions, tenants, policies, reports, clock, pino({ level: 'silent' }), queries), stored, windows, classified };
}

describe('GenerateShadowReportHandler', () => {
  it('at day seven reports the trial window once, stamped with the clock and the scheduler', async () => {
    const { h, stored, windows } = handler(T0 + 7 * DAY + 5_000);
    const { reportId } = await h.execute(new GenerateShadowReportCommand(TENANT, 'trial_ended', 'system:trial-scheduler'));
    expect(windows).toEqual([{ from: new Date(T0), to: new Date(T0 + 7 * DAY) }]);
    expect(stored).toHaveLength(1);
    const row = stored[0]!;
    expect(row).toMatchObject({
      reportId,
      tenantId: TENANT,
      trigger: 'trial_ended',
      windowFrom: new Date(T0),
      windowTo: new Date(T0 + 7 * DAY),
      generatedAt: new Date(T0 + 7 * DAY + 5_000),
      generatedBy: 'system:trial-scheduler',
      calls: 3,
      blocked: 1,
      schemaVersion: 1,
    });
    expect((row.report as ShadowReport).totals).toMatchObject({ calls: 3, wouldDeny: 1 });
  });

  it('on demand during the trial covers the trial so far; a window given is used as is', async () => {
    const during = handler(T0 + 2 * DAY + 1);
    await during.h.execute(new GenerateShadowReportCommand(TENANT, 'on_demand', 'key:1'));
    expect(during.windows).toEqual([{ from: new Date(T0), to: new Date(T0 + 2 * DAY + 1) }]);
    expect(during.stored[0]).toMatchObject({ calls: 2, blocked: 0 });
    const given = handler(T0 + 30 * DAY);
    await given.h.execute(new GenerateShadowReportCommand(TENANT, 'on_demand', 'key:1', { from: new Date(T0 + 3 * DAY), to: new Date(T0 + 4 * DAY) }));
    expect(given.stored[0]).toMatchObject({ calls: 1, blocked: 1 });
  });

  it('after the trial defaults to the last seven days', async () => {
    const after = handler(T0 + 30 * DAY);
    await after.h.execute(new GenerateShadowReportCommand(TENANT, 'on_demand', 'key:1'));
    expect(after.windows).toEqual([{ from: new Date(T0 + 23 * DAY), to: new Date(T0 + 30 * DAY) }]);
  });

  it('refuses a window over 31 days, and an unknown tenant, storing nothing', async () => {
    const { h, stored } = handler(T0);
    await expect(h.execute(new GenerateShadowReportCommand(TENANT, 'on_demand', 'key:1', { from: new Date(T0), to: new Date(T0 + 32 * DAY) }))).rejects.toMatchObject({
      code: 'shadow_report.window_too_long',
      kind: 'invalid',
      field: '/window',
    });
    const none = handler(T0, null);
    await expect(none.h.execute(new GenerateShadowReportCommand(TENANT, 'on_demand', 'key:1'))).rejects.toMatchObject({ code: 'tenant.not_found' });
    expect([...stored, ...none.stored]).toEqual([]);
  });

  it("has credential governance classify the window's usage, and stores its findings in the report", async () => {
    const given = handler(T0 + 30 * DAY);
    await given.h.execute(new GenerateShadowReportCommand(TENANT, 'on_demand', 'key:1', { from: new Date(T0 + 2 * DAY), to: new Date(T0 + 4 * DAY) }));
    expect(given.classified.map((q) => [q.tenantId, q.usage.map((u) => [u.agentId, u.calls, u.firstSeenAt.getTime()])])).toEqual([
      [
        TENANT,
        [
          ['crm-agent', 1, T0 + 3 * DAY],
          ['report-agent', 1, T0 + 2 * DAY],
        ],
      ],
    ]);
    const findings = (given.stored[0]!.report as ShadowReport).credentials.findings!;
    expect(findings.items.map((f) => [f.kind, f.calls, f.agents.map((a) => a.agent)])).toEqual([
      ['unknown', 2, ['crm-agent', 'report-agent']],
      ['shared', 2, ['crm-agent', 'report-agent']],
    ]);
  });
});
