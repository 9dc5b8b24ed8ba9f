import { Query } from '@nestjs/cqrs';
import type { ShadowReportSummaryView } from '../get-shadow-report/get-shadow-report.query.js';

/** The tenant's reports, newest first, without their bodies. */
export class ListShadowReportsQuery extends Query<ShadowReportSummaryView[]> {
  constructor(
    readonly tenantId: string,
    readonly limit: number,
  ) {
    super();
  }
}
