import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Metadata } from '@grpc/grpc-js';
import {
  ApprovalStatus_State,
  ConsumeApprovalResponse_Result as Result,
  IDENTIFIER,
  type ApprovalStatusRequest,
  type ApprovalStatusSchema,
  type ConsumeApprovalRequest,
  type ConsumeApprovalResponseSchema,
} from '@thoth/contracts';
import { ERROR_CODE_HEADER, GrpcError } from '@thoth/grpc';
import type { Clock } from '../../../platform/clock/clock.js';
import { bindingMismatch, statusOf, type ApprovalRequest, type ApprovalStatus } from '../domain/approval-request.js';
import type { ApprovalRequestsRepository } from '../storage/approval-requests.repository.js';

type ConsumeResponse = MessageInitShape<typeof ConsumeApprovalResponseSchema>;
type StatusResponse = MessageInitShape<typeof ApprovalStatusSchema>;

const STATES: Record<ApprovalStatus, ApprovalStatus_State> = {
  pending: ApprovalStatus_State.PENDING,
  approved: ApprovalStatus_State.APPROVED,
  rejected: ApprovalStatus_State.REJECTED,
  expired: ApprovalStatus_State.EXPIRED,
  used: ApprovalStatus_State.USED,
};

/**
 * ConsumeApproval and GetApprovalStatus once the config stream has authenticated the enforcer and
 * checked that it serves the request's tenant (docs/approvals.md). Every read and the use are
 * scoped to the tenant (its RLS) and to the agent: another agent's request is not found.
 */
export class ApprovalDesk {
  constructor(
    private readonly requests: ApprovalRequestsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Uses the approval for this call in one atomic statement (ApprovalRequestsRepository.consume),
   * then, when it was not used, says why from the row as it stands. A repeat by the decision that
   * used it (a retried call) is answered USED again.
   */
  async consume(request: ConsumeApprovalRequest): Promise<ConsumeResponse> {
    if (!IDENTIFIER.test(request.decisionId)) invalid('decision_id must be 1–200 printable ASCII characters: the decision that uses the approval');
    if (!IDENTIFIER.test(request.approvalId) || !IDENTIFIER.test(request.agentId)) return { result: Result.NOT_FOUND };
    const call = {
      agentId: request.agentId,
      tool: request.tool,
      argumentsDigest: request.argumentsDigest,
      resource: request.resource,
      credentialFingerprint: request.credentialFingerprint,
    };
    const now = this.clock.now();
    const { used, request: found } = await this.requests.consume({ tenantId: request.tenantId, requestId: request.approvalId, decisionId: request.decisionId, now, ...call });
    if (!found || found.agentId !== request.agentId) return { result: Result.NOT_FOUND };
    const answer = (result: Result): ConsumeResponse => ({ result, decidedBy: found.decidedBy ?? '', expiresAt: timestampFromMs(found.expiresAt.getTime()) });
    if (used) return answer(Result.USED);
    const mismatch = bindingMismatch(found, call) !== undefined;
    if (found.usedByDecision !== undefined) return answer(found.usedByDecision === request.decisionId && !mismatch ? Result.USED : Result.ALREADY_USED);
    switch (statusOf(found, now)) {
      case 'rejected':
        return answer(Result.REJECTED);
      case 'expired':
        return answer(Result.EXPIRED);
      case 'pending':
        return answer(Result.PENDING);
      default:
        // Approved, unused and not expired, yet not used: a binding field differs.
        return answer(mismatch ? Result.MISMATCH : Result.ALREADY_USED);
    }
  }

  async status(request: ApprovalStatusRequest): Promise<StatusResponse> {
    const found = IDENTIFIER.test(request.approvalId) ? await this.requests.find(request.tenantId, request.approvalId) : undefined;
    if (!found || found.agentId !== request.agentId) notFound(request.approvalId);
    return statusResponse(found, this.clock.now());
  }
}

function statusResponse(r: ApprovalRequest, now: Date): StatusResponse {
  return {
    approvalId: r.id,
    state: STATES[statusOf(r, now)],
    expiresAt: timestampFromMs(r.expiresAt.getTime()),
    decidedBy: r.decidedBy ?? '',
    comment: r.comment ?? '',
  };
}

function invalid(message: string): never {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_HEADER, 'INVALID_ARGUMENT');
  throw new GrpcError('INVALID_ARGUMENT', message, { metadata });
}

function notFound(approvalId: string): never {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_HEADER, 'APPROVAL_NOT_FOUND');
  throw new GrpcError('NOT_FOUND', `APPROVAL_NOT_FOUND: no approval request ${approvalId} of this tenant and agent`, { metadata });
}
