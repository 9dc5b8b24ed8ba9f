import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PolicyReplaysRepository } from '../../storage/policy-replays.repository.js';
import { policyReplaySummaryView, type PolicyReplaySummaryView } from '../get-policy-replay/get-policy-replay.query.js';
import { ListPolicyReplaysQuery } from './list-policy-replays.query.js';

@QueryHandler(ListPolicyReplaysQuery)
export class ListPolicyReplaysHandler implements IQueryHandler<ListPolicyReplaysQuery> {
  constructor(@Inject(PolicyReplaysRepository) private readonly replays: PolicyReplaysRepository) {}

  async execute({ tenantId, limit }: ListPolicyReplaysQuery): Promise<PolicyReplaySummaryView[]> {
    return (await this.replays.list(tenantId, limit)).map(policyReplaySummaryView);
  }
}
