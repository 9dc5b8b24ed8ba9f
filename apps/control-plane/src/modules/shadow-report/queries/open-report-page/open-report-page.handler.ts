import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { shadowReportNotFound } from '../../domain/shadow-report.errors.js';
import { checkViewLink, parseViewLinkToken } from '../../domain/view-link.js';
import { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { shadowReportView } from '../get-shadow-report/get-shadow-report.query.js';
import { OpenReportPageQuery, type ReportPageView } from './open-report-page.query.js';

@QueryHandler(OpenReportPageQuery)
export class OpenReportPageHandler implements IQueryHandler<OpenReportPageQuery> {
  constructor(
    @Inject(ShadowReportsRepository) private readonly reports: ShadowReportsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ reportId, token }: OpenReportPageQuery): Promise<ReportPageView> {
    const parsed = parseViewLinkToken(token);
    // Both reads run under the tenant the token names: another tenant's link or report is invisible.
    const link = await this.reports.findViewLink(parsed.tenantId, parsed.linkId);
    checkViewLink(link, parsed, reportId, this.clock.now());
    const row = found(await this.reports.find(parsed.tenantId, reportId), shadowReportNotFound);
    return { ...shadowReportView(row), tenantId: parsed.tenantId };
  }
}
