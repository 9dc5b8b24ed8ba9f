import type { RecordedRule } from '../../decisions/index.js';

/** What a person decided (the row's state); 'pending' until someone does. */
export type ApprovalState = 'pending' | 'approved' | 'rejected';

/** Where a request stands for whoever asks: its state, with expiry and use told apart. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'used';
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'used'] as const satisfies readonly ApprovalStatus[];

/**
 * What an approval is bound to besides its tenant (docs/approvals.md): the call approved, field
 * by field. A call presenting the approval uses it only when every field is equal.
 */
export interface ApprovalBinding {
  readonly agentId: string;
  readonly tool: string;
  readonly argumentsDigest: string;
  readonly resource: string;
  readonly credentialFingerprint: string;
}

export const BINDING_FIELDS = ['agentId', 'tool', 'argumentsDigest', 'resource', 'credentialFingerprint'] as const satisfies ReadonlyArray<keyof ApprovalBinding>;

/** The first binding field the call states otherwise than the approved request, or undefined. */
export function bindingMismatch(approved: ApprovalBinding, call: ApprovalBinding): keyof ApprovalBinding | undefined {
  return BINDING_FIELDS.find((field) => approved[field] !== call[field]);
}

export interface ApprovalRequest extends ApprovalBinding {
  readonly tenantId: string;
  /** The request decision's id. */
  readonly id: string;
  /** The call's arguments as the request event retained them (parsed JSON); undefined when not JSON. */
  readonly arguments: unknown;
  /** The policy elements that asked for approval. */
  readonly ruleIds: readonly string[];
  /** The request decision's matched rules, with their reasons. */
  readonly matchedRules: readonly RecordedRule[];
  readonly enforcerId: string;
  readonly policyVersion: number;
  readonly policyHash: string;
  readonly configVersion: number;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  readonly state: ApprovalState;
  readonly decidedBy: string | undefined;
  readonly decidedAt: Date | undefined;
  readonly comment: string | undefined;
  readonly usedByDecision: string | undefined;
  readonly usedAt: Date | undefined;
}

/** Used, then rejected, then expired (nothing decided or unused in time), then the state. */
export function statusOf(request: Pick<ApprovalRequest, 'state' | 'expiresAt' | 'usedByDecision'>, now: Date): ApprovalStatus {
  if (request.usedByDecision !== undefined) return 'used';
  if (request.state === 'rejected') return 'rejected';
  if (request.expiresAt.getTime() <= now.getTime()) return 'expired';
  return request.state;
}

/** Longest a request may stay open (docs/approvals.md: `expiresIn` at most 7d): a later expiry is cut to it. */
export const MAX_APPROVAL_MS = 7 * 24 * 3_600_000;

/** A person's note on an approval or rejection (ApprovalStep.comment): at most this many characters. */
export const MAX_COMMENT = 1_000;

/** The matched rule every step after the request names (RULE_KIND_APPROVAL). */
export const approvalRuleId = (requestId: string): string => `approval:${requestId}`;
