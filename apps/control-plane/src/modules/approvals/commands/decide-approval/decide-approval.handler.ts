import { toBinary } from '@bufbuild/protobuf';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DecisionEventSchema } from '@thoth/contracts';
import { randomUUID } from 'node:crypto';
import { EventStore } from '../../../../event-store/event-store.js';
import { metadataOf } from '../../../../platform/caller.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { ConcurrencyError } from '../../../../shared/domain/concurrency.error.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { APPROVAL_KEYS, type ApprovalKeys } from '../../approvals.tokens.js';
import { approvalDecisionEvent } from '../../domain/approval-decision.js';
import { approvalAlreadyDecided, approvalExpired, approvalNotFound } from '../../domain/approval.errors.js';
import { statusOf } from '../../domain/approval-request.js';
import { ApprovalApproved, ApprovalRejected, approvalStreamId } from '../../domain/events/approval-decided.event.js';
import { ApprovalDecisionPublisher } from '../../publish/approval-decision-publisher.js';
import { viewOfRequest, type ApprovalView } from '../../queries/approval-view.js';
import { ApprovalRequestsRepository } from '../../storage/approval-requests.repository.js';
import { DecideApprovalCommand } from './decide-approval.command.js';

/**
 * Appends approval.approved or approval.rejected (the audit trail) carrying the control plane's
 * signed decision of it; ApprovalsProjection records it on the request in the same transaction.
 * The request's stream holds one event, so of two people deciding at once one wins and the
 * other gets approval.already_decided. The signed decision is published from there (the outbox).
 */
@CommandHandler(DecideApprovalCommand)
export class DecideApprovalHandler implements ICommandHandler<DecideApprovalCommand> {
  constructor(
    @Inject(ApprovalRequestsRepository) private readonly requests: ApprovalRequestsRepository,
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APPROVAL_KEYS) private readonly keys: ApprovalKeys,
    @Inject(ApprovalDecisionPublisher) private readonly publisher: ApprovalDecisionPublisher | null,
  ) {}

  async execute({ caller, requestId, approved, comment }: DecideApprovalCommand): Promise<ApprovalView> {
    const request = found(await this.requests.find(caller.tenantId, requestId), approvalNotFound);
    const now = this.clock.now();
    const status = statusOf(request, now);
    if (request.state !== 'pending') throw approvalAlreadyDecided(request.state);
    if (status === 'expired') throw approvalExpired(request.expiresAt);
    const verdict = { approved, decidedBy: caller.actor, comment, decisionId: randomUUID(), decidedAt: now };
    const event = approvalDecisionEvent(request, verdict, this.keys.receiptSigner);
    const payload = {
      requestId,
      decidedBy: verdict.decidedBy,
      decidedAt: now.toISOString(),
      comment,
      decisionId: verdict.decisionId,
      decisionEvent: Buffer.from(toBinary(DecisionEventSchema, event)).toString('base64'),
    };
    try {
      await this.store.append({
        tenantId: caller.tenantId,
        streamId: approvalStreamId(caller.tenantId, requestId),
        expectedVersion: 0,
        events: [approved ? new ApprovalApproved(payload) : new ApprovalRejected(payload)],
        metadata: metadataOf(caller),
      });
    } catch (error) {
      if (error instanceof ConcurrencyError) throw approvalAlreadyDecided('decided');
      throw error;
    }
    this.publisher?.changed(caller.tenantId);
    return viewOfRequest(found(await this.requests.find(caller.tenantId, requestId), approvalNotFound), now);
  }
}
