import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { DecisionRecordsRepository } from '../../../decisions/index.js';
import { approvalNotFound } from '../../domain/approval.errors.js';
import { ApprovalRequestsRepository } from '../../storage/approval-requests.repository.js';
import { type ApprovalDetailView, viewOfRequest } from '../approval-view.js';
import { GetApprovalQuery } from './get-approval.query.js';

const RECENT = 20;

@QueryHandler(GetApprovalQuery)
export class GetApprovalHandler implements IQueryHandler<GetApprovalQuery> {
  constructor(
    @Inject(ApprovalRequestsRepository) private readonly requests: ApprovalRequestsRepository,
    @Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, requestId }: GetApprovalQuery): Promise<ApprovalDetailView> {
    const request = found(await this.requests.find(tenantId, requestId), approvalNotFound);
    const recent = await this.decisions.page(tenantId, { filters: { agentId: request.agentId }, limit: RECENT });
    return {
      ...viewOfRequest(request, this.clock.now()),
      recentDecisions: recent.map((d) => ({
        decisionId: d.decisionId,
        tool: d.tool,
        resource: d.resource,
        outcome: d.outcome,
        ruleIds: d.matchedRules.map((r) => r.ruleId),
        decidedAt: d.decidedAt.toISOString(),
      })),
    };
  }
}
