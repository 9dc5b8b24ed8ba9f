import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ShadowReportError } from '../../domain/shadow-report.errors.js';
import { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { GetShadowReportQuery, shadowReportView, type ShadowReportView } from './get-shadow-report.query.js';

@QueryHandler(GetShadowReportQuery)
export class GetShadowReportHandler implements IQueryHandler<GetShadowReportQuery> {
  constructor(@Inject(ShadowReportsRepository) private readonly reports: ShadowReportsRepository) {}

  async execute({ tenantId, reportId }: GetShadowReportQuery): Promise<ShadowReportView> {
    const row = reportId === 'latest' ? await this.reports.latest(tenantId) : await this.reports.find(tenantId, reportId);
    if (!row) throw new ShadowReportError('shadow_report.not_found', 'not_found', reportId === 'latest' ? 'no shadow report has been generated yet' : 'no such shadow report');
    return shadowReportView(row);
  }
}
