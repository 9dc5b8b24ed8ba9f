import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Effect, RuleKind, Severity, type DecideResponse, type MatchedRule, type Receipt } from '@thoth/contracts';

/** A matched policy element, as the enforcer reported it. */
export interface MatchedRuleInfo {
  readonly ruleId: string;
  readonly reason: string;
  /** `condition`, `blast_radius`, `freeze_window`, `credential`, `drift`, `kill_switch`, `default`, `sequence`, `approval`. */
  readonly kind: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical' | 'unspecified';
}

/** An approval request a call waits on (docs/approvals.md): a person must approve the exact call. */
export interface PendingApproval {
  /** The request's id: the decision_id of the decision that asked for approval. */
  readonly id: string;
  /** After this, an approval is refused and a call presenting it denied APPROVAL_EXPIRED. */
  readonly expiresAt: Date | undefined;
}

/** The enforcer's answer to one tool call, in the SDK's terms. */
export interface Decision {
  readonly requestId: string;
  readonly decisionId: string;
  /** What the caller must do. In shadow mode `allow` even when policy denies. */
  readonly allow: boolean;
  /** Policy would have denied; shadow mode let the call through. */
  readonly shadow: boolean;
  /**
   * Set when the call must wait for a person: the enforcer answered EFFECT_REQUIRE_APPROVAL (this
   * decision is the request), or the call presented a request nobody has decided yet
   * (APPROVAL_PENDING: the request it presented). `allow` is false.
   */
  readonly approval: PendingApproval | undefined;
  readonly matchedRules: readonly MatchedRuleInfo[];
  readonly policyVersion: bigint;
  readonly policyHash: string;
  /** Signed by the enforcer; links the call to its ledger entry. */
  readonly receipt: Receipt | undefined;
  /** Set when the request could not be evaluated (`NOT_READY`, `UNAUTHENTICATED`, …). */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** The wire message, for callers that need every field. */
  readonly response: DecideResponse;
}

const lower = (name: string | undefined) => (name ?? 'UNSPECIFIED').toLowerCase();

export function matchedRuleInfo(rule: MatchedRule): MatchedRuleInfo {
  return {
    ruleId: rule.ruleId,
    reason: rule.reason,
    kind: lower(RuleKind[rule.kind]),
    severity: lower(Severity[rule.severity]) as MatchedRuleInfo['severity'],
  };
}

export function toDecision(response: DecideResponse): Decision {
  return {
    requestId: response.requestId,
    decisionId: response.decisionId,
    allow: response.effect === Effect.ALLOW,
    shadow: response.shadow,
    approval:
      response.effect === Effect.REQUIRE_APPROVAL
        ? { id: response.decisionId, expiresAt: response.approvalExpiresAt ? timestampDate(response.approvalExpiresAt) : undefined }
        : undefined,
    matchedRules: response.matchedRules.map(matchedRuleInfo),
    policyVersion: response.policyVersion,
    policyHash: response.policyHash,
    receipt: response.receipt,
    errorCode: response.errorCode,
    errorMessage: response.errorMessage,
    response,
  };
}
