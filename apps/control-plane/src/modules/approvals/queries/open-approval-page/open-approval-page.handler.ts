import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { APPROVAL_KEYS, type ApprovalKeys } from '../../approvals.tokens.js';
import { openApprovalLink } from '../../domain/approval-link.js';
import { GetApprovalQuery } from '../get-approval/get-approval.query.js';
import { type ApprovalPageView, OpenApprovalPageQuery } from './open-approval-page.query.js';

/** The link names its tenant; the request is then read under that tenant's RLS only. */
@QueryHandler(OpenApprovalPageQuery)
export class OpenApprovalPageHandler implements IQueryHandler<OpenApprovalPageQuery> {
  constructor(
    @Inject(APPROVAL_KEYS) private readonly keys: ApprovalKeys,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  async execute({ requestId, token }: OpenApprovalPageQuery): Promise<ApprovalPageView> {
    const link = openApprovalLink(this.keys.linkKey, token, requestId, this.clock.now());
    return { tenantId: link.tenantId, request: await this.queries.execute(new GetApprovalQuery(link.tenantId, requestId)) };
  }
}
