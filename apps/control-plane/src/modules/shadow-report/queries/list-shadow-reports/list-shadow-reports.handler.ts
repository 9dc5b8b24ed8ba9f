import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { shadowReportSummaryView, type ShadowReportSummaryView } from '../get-shadow-report/get-shadow-report.query.js';
import { ListShadowReportsQuery } from './list-shadow-reports.query.js';

@QueryHandler(ListShadowReportsQuery)
export class ListShadowReportsHandler implements IQueryHandler<ListShadowReportsQuery> {
  constructor(@Inject(ShadowReportsRepository) private readonly reports: ShadowReportsRepository) {}

  async execute({ tenantId, limit }: ListShadowReportsQuery): Promise<ShadowReportSummaryView[]> {
    return (await this.reports.list(tenantId, limit)).map(shadowReportSummaryView);
  }
}
