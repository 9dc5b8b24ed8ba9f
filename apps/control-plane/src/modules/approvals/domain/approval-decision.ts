import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ApprovalStep_Kind, DecisionEventSchema, Effect, Outcome, RuleKind, Severity, type DecisionEvent } from '@thoth/contracts';
import { CONTROL_PLANE_INSTANCE, signDecisionEvents, type Signer } from '@thoth/snapshot';
import { approvalRuleId, type ApprovalRequest } from './approval-request.js';

export interface ApprovalVerdict {
  readonly approved: boolean;
  /** `key:<api key id>`. */
  readonly decidedBy: string;
  readonly comment: string;
  readonly decisionId: string;
  readonly decidedAt: Date;
}

/**
 * A person's approval or rejection as a decision of the control plane (docs/approvals.md): the
 * request's binding fields, effect ALLOW (approved) or DENY (rejected), matched rule
 * `approval:<request id>` of kind RULE_KIND_APPROVAL, the ApprovalStep, signed as a version 3
 * receipt with the control plane's receipt key under its own process name. The request's policy
 * and config versions are the ones it names: the step belongs to that request.
 */
export function approvalDecisionEvent(request: ApprovalRequest, verdict: ApprovalVerdict, signer: Signer): DecisionEvent {
  const decidedAt = timestampFromMs(verdict.decidedAt.getTime());
  const ruleId = approvalRuleId(request.id);
  const reason = `${verdict.approved ? 'Approved' : 'Rejected'} by ${verdict.decidedBy}${verdict.comment === '' ? '' : `: ${verdict.comment}`}`;
  const requestId = `${ruleId}:${verdict.approved ? 'approved' : 'rejected'}`;
  const event = create(DecisionEventSchema, {
    decisionId: verdict.decisionId,
    requestId,
    tenantId: request.tenantId,
    agentId: request.agentId,
    tool: request.tool,
    argumentsDigest: request.argumentsDigest,
    resource: request.resource,
    credentialFingerprint: request.credentialFingerprint,
    effect: verdict.approved ? Effect.ALLOW : Effect.DENY,
    shadow: false,
    matchedRules: [{ ruleId, reason, severity: Severity.UNSPECIFIED, kind: RuleKind.APPROVAL, effect: verdict.approved ? 'allow' : 'deny' }],
    policyVersion: BigInt(request.policyVersion),
    policyHash: request.policyHash,
    configVersion: BigInt(request.configVersion),
    enforcerId: CONTROL_PLANE_INSTANCE,
    requestedAt: decidedAt,
    decidedAt,
    approval: {
      kind: verdict.approved ? ApprovalStep_Kind.APPROVED : ApprovalStep_Kind.REJECTED,
      requestId: request.id,
      expiresAt: timestampFromMs(request.expiresAt.getTime()),
      decidedBy: verdict.decidedBy,
      comment: verdict.comment,
    },
    receipt: {
      decisionId: verdict.decisionId,
      requestId,
      tenantId: request.tenantId,
      agentId: request.agentId,
      tool: request.tool,
      argumentsDigest: request.argumentsDigest,
      outcome: verdict.approved ? Outcome.ALLOW : Outcome.DENY,
      reasons: [`${ruleId}: ${reason}`],
      policyVersion: BigInt(request.policyVersion),
      policyHash: request.policyHash,
      configVersion: BigInt(request.configVersion),
      decidedAt,
      enforcerId: CONTROL_PLANE_INSTANCE,
    },
  });
  signDecisionEvents([event], signer);
  return event;
}
