import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the approvals context; the API puts them in problem+json `code`. */
export type ApprovalErrorCode = 'approval.not_found' | 'approval.expired' | 'approval.already_decided';

export class ApprovalError extends DomainError {
  constructor(
    override readonly code: ApprovalErrorCode,
    kind: DomainError['kind'],
    message: string,
  ) {
    super(code, kind, message);
    this.name = 'ApprovalError';
  }
}

export const approvalNotFound = (): ApprovalError => new ApprovalError('approval.not_found', 'not_found', 'no such approval request in this tenant');
export const approvalExpired = (expiresAt: Date): ApprovalError =>
  new ApprovalError('approval.expired', 'conflict', `the approval request expired at ${expiresAt.toISOString()}: it can no longer be approved or rejected`);
export const approvalAlreadyDecided = (state: string): ApprovalError =>
  new ApprovalError('approval.already_decided', 'conflict', `the approval request was already ${state}: a request is decided once`);
