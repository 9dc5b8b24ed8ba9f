import { Query } from '@nestjs/cqrs';
import type { ApprovalDetailView } from '../approval-view.js';

export interface ApprovalPageView {
  readonly tenantId: string;
  readonly request: ApprovalDetailView;
}

/** A request's page, opened with the signed link of its alert (no API key): throws ApprovalLinkError for a bad link. */
export class OpenApprovalPageQuery extends Query<ApprovalPageView> {
  constructor(
    readonly requestId: string,
    readonly token: string | undefined,
  ) {
    super();
  }
}
