import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface ApprovalDecidedPayload {
  readonly requestId: string;
  /** `key:<api key id>` of the approver. */
  readonly decidedBy: string;
  /** ISO 8601: the time of the control plane's signed decision. */
  readonly decidedAt: string;
  readonly comment: string;
  /** The control plane's signed decision of this step (DecisionEvent, protobuf binary, base64): what it publishes. */
  readonly decisionId: string;
  readonly decisionEvent: string;
}

/** A person approved the request: the call it is bound to may now go through, once, before the request expires. */
export class ApprovalApproved extends DomainEventClass('approval.approved')<ApprovalDecidedPayload> {}

/** A person rejected the request: a call presenting it is denied (APPROVAL_REJECTED). */
export class ApprovalRejected extends DomainEventClass('approval.rejected')<ApprovalDecidedPayload> {}

/**
 * A request is decided once: its own stream, of one event (a second decision finds version 1 and
 * fails). Stream ids are unique across tenants and request ids are the enforcers' (any tenant's
 * may repeat another's): the tenant is part of the id.
 */
export const approvalStreamId = (tenantId: string, requestId: string): string => `approval-${tenantId}-${requestId}`;
