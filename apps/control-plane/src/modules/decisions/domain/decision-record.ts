/**
 * One answered decision as the control plane's decision read model keeps it: a DecisionEvent
 * from the decision stream (Kafka `thoth.decisions`, or the embedded in-process log), flattened
 * for queries. Written once per decision id (a redelivered event is a no-op), never updated but by
 * retention (docs/retention.md): deleted past the tenant's retention, its arguments cleared before.
 * The shadow report, replay, credential inventory, baselines and alerts all read this shape.
 */
export type DecisionOutcome = 'allow' | 'deny' | 'would_deny' | 'approval_required';

/** A step of an approval request's life (docs/approvals.md), as the decision that took it carries it. */
export interface RecordedApprovalStep {
  readonly kind: 'requested' | 'approved' | 'rejected' | 'used' | 'refused';
  readonly requestId: string;
  /** Undefined when the event has none (a step other than the request). */
  readonly expiresAt: Date | undefined;
  readonly decidedBy: string;
  readonly comment: string;
  readonly ruleIds: readonly string[];
}

export interface RecordedRule {
  readonly ruleId: string;
  readonly reason: string;
  readonly severity: 'unspecified' | 'low' | 'medium' | 'high' | 'critical';
  /** RuleKind without its prefix, lower case: condition, blast_radius, freeze_window, credential, drift, kill_switch, default, sequence, approval. */
  readonly kind: string;
  /**
   * What the rule did: 'deny' (blocked, or would have in shadow), 'flag' (allowed and alerted,
   * e.g. drift with action alert), 'observe' (recorded only), 'allow' (an allow rule, or the
   * default, decided). '' for denials made before evaluation and when the event predates the field.
   */
  readonly effect: '' | 'deny' | 'flag' | 'observe' | 'allow';
}

export interface DecisionRecord {
  readonly tenantId: string;
  readonly decisionId: string;
  readonly requestId: string;
  /** The agent id exactly as the request named it (DecideRequest.agent_id). */
  readonly agentId: string;
  readonly tool: string;
  readonly resource: string;
  /** Bare lowercase SHA-256 hex, '' when the call carried no credential. */
  readonly credentialFingerprint: string;
  readonly sourceIp: string;
  readonly sourceRegion: string;
  /** allow; deny (blocked); would_deny (policy denied, shadow mode let it through); approval_required (held for a person). */
  readonly outcome: DecisionOutcome;
  readonly shadow: boolean;
  readonly matchedRules: readonly RecordedRule[];
  readonly policyVersion: number;
  readonly policyHash: string;
  readonly configVersion: number;
  readonly enforcerId: string;
  readonly argumentsDigest: string;
  /** The call's arguments when the tenant retains them (parsed JSON), else undefined. */
  readonly arguments: unknown;
  /** '' for a request evaluated without error, else the stable code (UNKNOWN_AGENT, NOT_READY, …). */
  readonly errorCode: string;
  readonly requestedAt: Date;
  readonly decidedAt: Date;
  /** The signed receipt as protobuf-es JSON (`toJson(ReceiptSchema, …)`), for examples and alerts. */
  readonly receipt: unknown;
  /**
   * The approval step the event carries (docs/approvals.md), for ingest hooks; not kept in the
   * read model's table (read back, it is undefined).
   */
  readonly approval?: RecordedApprovalStep;
}
