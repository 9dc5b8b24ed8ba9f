import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { ApprovalView } from '../../queries/approval-view.js';

/** A person (an API key of role approver) approves or rejects a pending request, once. */
export class DecideApprovalCommand extends Command<ApprovalView> {
  constructor(
    readonly caller: Caller,
    readonly requestId: string,
    readonly approved: boolean,
    readonly comment: string,
  ) {
    super();
  }
}
