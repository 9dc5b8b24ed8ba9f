import { Query } from '@nestjs/cqrs';
import type { ShadowReportRow } from '@thoth/db';
import type { ShadowReport } from '../../domain/shadow-report.js';
import type { ShadowReportSummaryRow } from '../../storage/shadow-reports.repository.js';

export interface ShadowReportSummaryView {
  readonly id: string;
  readonly trigger: 'trial_ended' | 'on_demand';
  readonly window: { readonly from: string; readonly to: string };
  readonly generatedAt: string;
  readonly generatedBy: string;
  readonly calls: number;
  readonly blocked: number;
}

export interface ShadowReportView extends ShadowReportSummaryView {
  readonly report: ShadowReport;
}

/** One stored report: by id, or the tenant's latest. */
export class GetShadowReportQuery extends Query<ShadowReportView> {
  constructor(
    readonly tenantId: string,
    readonly reportId: string | 'latest',
  ) {
    super();
  }
}

export function shadowReportSummaryView(row: ShadowReportSummaryRow): ShadowReportSummaryView {
  return {
    id: row.reportId,
    trigger: row.trigger,
    window: { from: row.windowFrom.toISOString(), to: row.windowTo.toISOString() },
    generatedAt: row.generatedAt.toISOString(),
    generatedBy: row.generatedBy,
    calls: row.calls,
    blocked: row.blocked,
  };
}

export const shadowReportView = (row: ShadowReportRow): ShadowReportView => ({ ...shadowReportSummaryView(row), report: row.report as ShadowReport });
