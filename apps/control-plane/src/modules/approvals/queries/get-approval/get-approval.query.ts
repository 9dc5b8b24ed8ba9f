import { Query } from '@nestjs/cqrs';
import type { ApprovalDetailView } from '../approval-view.js';

/** One request of the tenant, with the agent's recent decisions. */
export class GetApprovalQuery extends Query<ApprovalDetailView> {
  constructor(
    readonly tenantId: string,
    readonly requestId: string,
  ) {
    super();
  }
}
