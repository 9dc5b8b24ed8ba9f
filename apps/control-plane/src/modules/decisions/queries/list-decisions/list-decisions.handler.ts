import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DecisionRecordsRepository } from '../../storage/decision-records.repository.js';
import { viewOf } from '../get-decision/get-decision.handler.js';
import { type DecisionPage, ListDecisionsQuery } from './list-decisions.query.js';

@QueryHandler(ListDecisionsQuery)
export class ListDecisionsHandler implements IQueryHandler<ListDecisionsQuery> {
  constructor(@Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository) {}

  async execute({ tenantId, filters, window, after, limit }: ListDecisionsQuery): Promise<DecisionPage> {
    const records = await this.decisions.page(tenantId, { ...window, filters, ...(after ? { after } : {}), limit: limit + 1 });
    const page = records.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(viewOf),
      next: records.length > limit && last ? { decidedAt: last.decidedAt, decisionId: last.decisionId } : null,
    };
  }
}
