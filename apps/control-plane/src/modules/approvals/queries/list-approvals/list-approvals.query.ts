import { Query } from '@nestjs/cqrs';
import type { ApprovalStatus } from '../../domain/approval-request.js';
import type { ApprovalPosition } from '../../storage/approval-requests.repository.js';
import type { ApprovalView } from '../approval-view.js';

export interface ApprovalPage {
  items: ApprovalView[];
  /** The last item's position, when there may be more; null at the end. */
  next: ApprovalPosition | null;
}

/** A page of the tenant's approval requests, newest first, optionally of one status. */
export class ListApprovalsQuery extends Query<ApprovalPage> {
  constructor(
    readonly tenantId: string,
    readonly status: ApprovalStatus | undefined,
    readonly after: ApprovalPosition | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
