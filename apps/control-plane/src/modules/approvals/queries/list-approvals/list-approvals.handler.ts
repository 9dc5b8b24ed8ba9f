import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { ApprovalRequestsRepository } from '../../storage/approval-requests.repository.js';
import { viewOfRequest } from '../approval-view.js';
import { type ApprovalPage, ListApprovalsQuery } from './list-approvals.query.js';

@QueryHandler(ListApprovalsQuery)
export class ListApprovalsHandler implements IQueryHandler<ListApprovalsQuery> {
  constructor(
    @Inject(ApprovalRequestsRepository) private readonly requests: ApprovalRequestsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, status, after, limit }: ListApprovalsQuery): Promise<ApprovalPage> {
    const now = this.clock.now();
    const rows = await this.requests.page(tenantId, { ...(status ? { status } : {}), ...(after ? { after } : {}), limit: limit + 1, now });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map((r) => viewOfRequest(r, now)), next: rows.length > limit && last ? { requestedAt: last.requestedAt, id: last.id } : null };
  }
}
