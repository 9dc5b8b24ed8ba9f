import type { RecordedRule } from '../../decisions/index.js';
import { statusOf, type ApprovalRequest, type ApprovalStatus } from '../domain/approval-request.js';

/** An approval request as the API shows it. */
export interface ApprovalView {
  id: string;
  status: ApprovalStatus;
  agentId: string;
  tool: string;
  resource: string;
  credentialFingerprint: string;
  argumentsDigest: string;
  /** The exact arguments of the call held (null when they were not JSON). */
  arguments: unknown;
  ruleIds: string[];
  matchedRules: RecordedRule[];
  enforcerId: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  usedByDecision: string | null;
  usedAt: string | null;
}

/** One of the agent's recent decisions, beside a request. */
export interface RecentDecisionView {
  decisionId: string;
  tool: string;
  resource: string;
  outcome: string;
  ruleIds: string[];
  decidedAt: string;
}

export interface ApprovalDetailView extends ApprovalView {
  /** The agent's last 20 decisions, newest first. */
  recentDecisions: RecentDecisionView[];
}

export function viewOfRequest(r: ApprovalRequest, now: Date): ApprovalView {
  return {
    id: r.id,
    status: statusOf(r, now),
    agentId: r.agentId,
    tool: r.tool,
    resource: r.resource,
    credentialFingerprint: r.credentialFingerprint,
    argumentsDigest: r.argumentsDigest,
    arguments: r.arguments ?? null,
    ruleIds: [...r.ruleIds],
    matchedRules: [...r.matchedRules],
    enforcerId: r.enforcerId,
    requestedAt: r.requestedAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    decidedBy: r.decidedBy ?? null,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    comment: r.comment ?? null,
    usedByDecision: r.usedByDecision ?? null,
    usedAt: r.usedAt?.toISOString() ?? null,
  };
}
