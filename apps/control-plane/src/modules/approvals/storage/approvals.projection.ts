import { Inject, Injectable } from '@nestjs/common';
import { ProjectionRegistry, type Projection } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { ApprovalApproved, ApprovalRejected, type ApprovalDecidedPayload } from '../domain/events/approval-decided.event.js';
import { ApprovalRequestsRepository } from './approval-requests.repository.js';

/**
 * A person's decision on a request, recorded on its row with the event. It owns no table
 * (requests come from the decision stream, not from events), so a rebuild keeps the rows and
 * replays the decisions, each of which only a pending request takes.
 */
@Injectable()
export class ApprovalsProjection implements Projection {
  readonly name = 'approval-decisions';
  readonly tables = [];

  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (record.type !== ApprovalApproved.type && record.type !== ApprovalRejected.type) return;
    const payload = record.payload as ApprovalDecidedPayload;
    await ApprovalRequestsRepository.decided(tx, {
      tenantId: record.tenantId,
      requestId: payload.requestId,
      state: record.type === ApprovalApproved.type ? 'approved' : 'rejected',
      decidedBy: payload.decidedBy,
      decidedAt: new Date(payload.decidedAt),
      comment: payload.comment,
      decisionEvent: Buffer.from(payload.decisionEvent, 'base64'),
    });
  }
}
