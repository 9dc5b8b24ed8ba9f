import { Query } from '@nestjs/cqrs';
import type { ShadowReportView } from '../get-shadow-report/get-shadow-report.query.js';

/** The report, and the tenant the view link proved. */
export interface ReportPageView extends ShadowReportView {
  readonly tenantId: string;
}

/**
 * A browser opens a report page with a view link: the token decides the tenant and must name
 * this report. Throws ViewLinkError (401/403) for a token that proves nothing else.
 */
export class OpenReportPageQuery extends Query<ReportPageView> {
  constructor(
    readonly reportId: string,
    readonly token: string | undefined,
  ) {
    super();
  }
}
