import { Query } from '@nestjs/cqrs';
import type { ShadowReportView } from '../get-shadow-report/get-shadow-report.query.js';

/**
 * A browser opens a report page with a view link: the token decides the tenant and must name
 * this report. Throws ViewLinkError (401/403) for a token that proves nothing else.
 */
export class OpenReportPageQuery extends Query<ShadowReportView> {
  constructor(
    readonly reportId: string,
    readonly token: string | undefined,
  ) {
    super();
  }
}
