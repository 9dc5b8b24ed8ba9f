import type { Receipt } from '@thoth/contracts';
import type { Decision, MatchedRuleInfo, PendingApproval } from './client/decision.js';
import type { Risk } from './guard/fail-mode.js';

/**
 * Thrown instead of running a tool the enforcer denied. `message` is written for the
 * model that called the tool: what was blocked, by which rule and why, and that it must
 * not retry (or work around) the call; the fields are for code.
 */
export class ThothDeniedError extends Error {
  override readonly name = 'ThothDeniedError';
  /** Stable: `DENIED` for a policy denial, else the enforcer's error code (`UNAUTHENTICATED`, …). */
  readonly code: string;
  readonly tool: string;
  readonly decisionId: string;
  readonly requestId: string;
  readonly matchedRules: readonly MatchedRuleInfo[];
  /** One `<rule id>: <reason>` per matched rule, as the receipt lists them. */
  readonly reasons: readonly string[];
  /** Signed by the enforcer; absent only when it refused the request before deciding (gRPC status). */
  readonly receipt: Receipt | undefined;
  readonly decision: Decision | undefined;

  constructor(init: {
    tool: string;
    decisionId: string;
    requestId: string;
    matchedRules: readonly MatchedRuleInfo[];
    receipt?: Receipt | undefined;
    errorCode?: string;
    errorMessage?: string;
    decision?: Decision;
  }) {
    super(deniedMessage(init.tool, init.matchedRules, init.errorCode ?? '', init.errorMessage ?? ''));
    this.code = init.errorCode || 'DENIED';
    this.tool = init.tool;
    this.decisionId = init.decisionId;
    this.requestId = init.requestId;
    this.matchedRules = init.matchedRules;
    this.reasons = init.matchedRules.map((r) => `${r.ruleId}: ${r.reason}`);
    this.receipt = init.receipt;
    this.decision = init.decision;
  }

  static fromDecision(tool: string, decision: Decision): ThothDeniedError {
    return new ThothDeniedError({
      tool,
      decisionId: decision.decisionId,
      requestId: decision.requestId,
      matchedRules: decision.matchedRules,
      receipt: decision.receipt,
      errorCode: decision.errorCode,
      errorMessage: decision.errorMessage,
      decision,
    });
  }
}

/**
 * Thrown instead of running a tool that needs a person's approval first (docs/approvals.md): the
 * enforcer held the call and opened an approval request (`approvalId`) bound to this exact call.
 * `message` tells the model that a person must approve it and that the same call, with the same
 * arguments, may be retried once approved: the client remembers the request, so that retry presents
 * the approval by itself. A rejected, expired or used approval is a ThothDeniedError (`APPROVAL_*`).
 */
export class ThothApprovalRequiredError extends Error {
  override readonly name = 'ThothApprovalRequiredError';
  readonly code = 'APPROVAL_REQUIRED';
  readonly tool: string;
  /** The approval request's id (the decision_id of the decision that opened it): what an approver approves. */
  readonly approvalId: string;
  readonly expiresAt: Date | undefined;
  /** The decision that raised this: the request itself, or a later call that presented it too early. */
  readonly decisionId: string;
  readonly requestId: string;
  /** The policy elements that asked for approval. */
  readonly matchedRules: readonly MatchedRuleInfo[];
  /** One `<rule id>: <reason>` per matched rule. */
  readonly reasons: readonly string[];
  readonly receipt: Receipt | undefined;
  readonly decision: Decision | undefined;

  constructor(init: {
    tool: string;
    approval: PendingApproval;
    decisionId: string;
    requestId: string;
    matchedRules: readonly MatchedRuleInfo[];
    receipt?: Receipt | undefined;
    decision?: Decision;
  }) {
    super(approvalRequiredMessage(init.tool, init.approval, init.matchedRules));
    this.tool = init.tool;
    this.approvalId = init.approval.id;
    this.expiresAt = init.approval.expiresAt;
    this.decisionId = init.decisionId;
    this.requestId = init.requestId;
    this.matchedRules = init.matchedRules;
    this.reasons = init.matchedRules.map((r) => `${r.ruleId}: ${r.reason}`);
    this.receipt = init.receipt;
    this.decision = init.decision;
  }

  /** From a decision whose `approval` is set. */
  static fromDecision(tool: string, decision: Decision & { approval: PendingApproval }): ThothApprovalRequiredError {
    return new ThothApprovalRequiredError({
      tool,
      approval: decision.approval,
      decisionId: decision.decisionId,
      requestId: decision.requestId,
      matchedRules: decision.matchedRules,
      receipt: decision.receipt,
      decision,
    });
  }
}

/**
 * Thrown instead of running a tool when the enforcer could not be asked (unreachable,
 * too slow, not ready) and the tool's fail mode is closed. The call was not made.
 */
export class ThothUnavailableError extends Error {
  override readonly name = 'ThothUnavailableError';
  /** `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `NOT_READY`, … */
  readonly code: string;
  readonly tool: string;
  readonly risk: Risk;
  readonly requestId: string;
  /** Attempts made (retries only where safe; see ThothClient). */
  readonly attempts: number;

  constructor(init: { tool: string; risk: Risk; requestId: string; code: string; detail: string; attempts: number; cause?: unknown }) {
    super(unavailableMessage(init.tool, init.risk, init.code, init.detail), { cause: init.cause });
    this.code = init.code;
    this.tool = init.tool;
    this.risk = init.risk;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
  }
}

// What the model is told not to do next, by the kind of rule that stopped it. The worst
// follow-ups we have seen are retrying verbatim and splitting a blocked bulk call into
// many small ones that each pass, so those are named outright.
const ADVICE: Record<string, string> = {
  blast_radius: 'Do not retry, and do not split it into smaller calls to get under the limit; ask a human.',
  freeze_window: 'Do not retry while the freeze lasts; ask a human.',
  kill_switch: 'This agent is suspended: stop making tool calls and ask a human.',
  credential: 'Do not retry with another credential or from elsewhere; ask a human.',
  drift: 'Do not retry; ask a human to confirm this is expected.',
  sequence: 'Do not retry or continue this sequence of calls; ask a human.',
};
const DEFAULT_ADVICE = 'Do not retry; ask a human.';
// A call that presented an approval and was refused on it (DecideRequest.approval_id): the code says why.
const APPROVAL_ADVICE: Record<string, string> = {
  APPROVAL_REJECTED: 'A person rejected this call: do not retry it or work around it; ask a human.',
  APPROVAL_EXPIRED: 'The approval request expired before the call was made; retrying the same call asks a person again.',
  APPROVAL_USED: 'That approval was already used: each approval lets one call through once. Retrying the same call asks a person again.',
  APPROVAL_MISMATCH: 'That approval was given for a call with other arguments, not this one; this call needs its own approval. Ask a human.',
  APPROVAL_NOT_FOUND: 'No such approval request for this agent; retrying the same call asks a person again.',
  APPROVAL_PENDING: 'Nobody has decided on the approval request yet; retry the same call only once a person has approved it.',
  APPROVAL_UNAVAILABLE: 'Thoth could not check the approval just now; you may retry the same call later.',
};
const MAX_RULES_IN_MESSAGE = 3;

/** The model-facing text of a denial. */
export function deniedMessage(tool: string, rules: readonly MatchedRuleInfo[], errorCode: string, errorMessage: string): string {
  if (errorCode !== '' && !(errorCode in APPROVAL_ADVICE) && rules.every((r) => r.ruleId.startsWith('request.') || r.ruleId.startsWith('enforcer.'))) {
    // Not a policy decision: the enforcer refused the request itself (bad token, unknown agent…).
    return `Thoth refused to check ${tool} (${errorCode}${errorMessage ? `: ${sentence(errorMessage)}` : ''}), so it was not run. This is a configuration problem, not something a retry fixes; ask a human.`;
  }
  const shown = rules.slice(0, MAX_RULES_IN_MESSAGE);
  const advice = APPROVAL_ADVICE[errorCode] ?? shown.map((r) => ADVICE[r.kind]).find((a) => a !== undefined) ?? DEFAULT_ADVICE;
  return `Thoth blocked ${tool}: ${because(rules, 'denied by policy')}. ${advice}`;
}

/**
 * The model-facing text of a call held for approval: who must act, on which request, and what to
 * retry. The same text as thoth (Python)'s `approval_message` (test/integration/sdk-python conformance).
 */
export function approvalRequiredMessage(tool: string, approval: PendingApproval, rules: readonly MatchedRuleInfo[]): string {
  const until = approval.expiresAt ? `, open until ${approval.expiresAt.toISOString()}` : '';
  return (
    `Thoth held ${tool} for a person's approval: ${because(rules, 'the policy asks for approval')}. It was not run. ` +
    `A person must approve this exact call: approval request ${approval.id}${until}. ` +
    'Once it is approved, retry the same call with exactly the same arguments; a call with other arguments needs an approval of its own. ' +
    `Tell the user that approval request ${approval.id} is waiting for them.`
  );
}

export function unavailableMessage(tool: string, risk: Risk, code: string, detail: string): string {
  const why = code === 'NOT_READY' ? 'the Thoth enforcer is not ready yet' : code === 'DEADLINE_EXCEEDED' ? 'the Thoth enforcer did not answer in time' : 'the Thoth enforcer could not be reached';
  const policy = risk === 'destructive' ? 'destructive tools never run unchecked' : `this ${risk} tool is set to fail closed`;
  return `${tool} was not run: ${why} (${code}${detail ? `: ${sentence(detail)}` : ''}) and ${policy}. Nothing was changed. You may try again later; if it keeps failing, ask a human.`;
}

/** The rules that decided, as a clause: `rule <id> — <reason>`, at most three, or `fallback`. */
function because(rules: readonly MatchedRuleInfo[], fallback: string): string {
  const shown = rules.slice(0, MAX_RULES_IN_MESSAGE);
  if (shown.length === 0) return fallback;
  const more = rules.length > shown.length ? ` (and ${rules.length - shown.length} more)` : '';
  return `${shown.length === 1 ? 'rule' : 'rules'} ${shown.map((r) => `${r.ruleId} — ${sentence(r.reason)}`).join('; ')}${more}`;
}

/** A reason as a clause: no trailing full stop (the message adds its own). */
function sentence(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}
