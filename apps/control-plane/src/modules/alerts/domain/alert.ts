import type { DecisionRecord, RecordedRule } from '../../decisions/index.js';

export type AlertKind = 'block' | 'drift' | 'approval';
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

const RANK: Record<RecordedRule['severity'], number> = { unspecified: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Why a decision is worth an alert, and how loud. */
export interface AlertReason {
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
}

/**
 * Which decisions the SOC hears about, at most one alert per decision and destination:
 * - a drift match (a rule of kind drift that denied or flagged) is a `drift` alert, whatever
 *   the outcome: blocked, allowed and flagged, or in shadow mode would-deny — the SOC wants
 *   drift at once, trial or not;
 * - any other block (outcome deny) is a `block` alert;
 * - a call held for approval (outcome approval_required, the approval request) is an
 *   `approval` alert, carrying the signed link to the request's page (docs/approvals.md);
 * - nothing else: drift rules that only observe, and shadow would-denies of other rules,
 *   which are the shadow report's business.
 * Severity: the highest the causing rules declare; when they declare none, high for what
 * was (or would have been) denied, medium for what was only flagged.
 */
export function alertReasonOf(record: DecisionRecord): AlertReason | undefined {
  const drift = record.matchedRules.filter((r) => r.kind === 'drift' && (r.effect === 'deny' || r.effect === 'flag'));
  if (drift.length > 0) {
    return { kind: 'drift', severity: severityOf(drift, drift.some((r) => r.effect === 'deny') ? 'high' : 'medium') };
  }
  if (record.outcome === 'approval_required' && record.approval?.kind === 'requested') {
    return { kind: 'approval', severity: severityOf(record.matchedRules, 'medium') };
  }
  if (record.outcome === 'deny') {
    return { kind: 'block', severity: severityOf(record.matchedRules.filter((r) => r.effect === 'deny' || r.effect === ''), 'high') };
  }
  return undefined;
}

function severityOf(rules: readonly RecordedRule[], fallback: AlertSeverity): AlertSeverity {
  const top = rules.reduce<RecordedRule['severity']>((max, r) => (RANK[r.severity] > RANK[max] ? r.severity : max), 'unspecified');
  return top === 'unspecified' ? fallback : top;
}

/** The alert as the SOC gets it: the webhook's JSON body, and what Slack and CEF are rendered from. */
export interface AlertDocument {
  readonly type: 'thoth.alert.v1';
  readonly alertId: string;
  readonly tenantId: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  /** One line for people: what happened to which call. */
  readonly title: string;
  readonly createdAt: string;
  readonly decision: {
    readonly decisionId: string;
    readonly requestId: string;
    readonly agentId: string;
    readonly tool: string;
    readonly resource: string;
    readonly credentialFingerprint: string;
    readonly source: { readonly ip: string; readonly region: string };
    readonly outcome: DecisionRecord['outcome'];
    readonly shadow: boolean;
    readonly matchedRules: ReadonlyArray<Pick<RecordedRule, 'ruleId' | 'kind' | 'effect' | 'severity' | 'reason'>>;
    readonly policyVersion: number;
    readonly policyHash: string;
    readonly configVersion: number;
    readonly enforcerId: string;
    readonly errorCode: string;
    readonly requestedAt: string;
    readonly decidedAt: string;
  };
  /** The enforcer's signed receipt (protobuf JSON), verifiable with its public key. */
  readonly receipt: unknown;
  /** The decision's evidence bundle on the ledger API (an API key with the admin, auditor or read_only role reads it). */
  readonly evidence: { readonly url: string };
  /** `approval` alerts: the request's page, opened by its signed link (no API key in it; approving asks for one). */
  readonly approval?: { readonly requestId: string; readonly expiresAt: string; readonly url: string };
}

/** The evidence bundle route of the ledger API (apps/ledger/src/api: GET /v1/decisions/{id}/evidence). */
export const evidenceUrl = (ledgerPublicUrl: string, decisionId: string): string =>
  `${ledgerPublicUrl}/v1/decisions/${encodeURIComponent(decisionId)}/evidence`;

export function alertDocument(input: {
  alertId: string;
  record: DecisionRecord;
  reason: AlertReason;
  ledgerPublicUrl: string;
  now: Date;
  /** The signed link to an approval request's page (approval alerts). */
  approvalUrl?: string;
}): AlertDocument {
  const { record, reason } = input;
  return {
    type: 'thoth.alert.v1',
    alertId: input.alertId,
    tenantId: record.tenantId,
    kind: reason.kind,
    severity: reason.severity,
    title: titleOf(record, reason.kind),
    createdAt: input.now.toISOString(),
    decision: {
      decisionId: record.decisionId,
      requestId: record.requestId,
      agentId: record.agentId,
      tool: record.tool,
      resource: record.resource,
      credentialFingerprint: record.credentialFingerprint,
      source: { ip: record.sourceIp, region: record.sourceRegion },
      outcome: record.outcome,
      shadow: record.shadow,
      matchedRules: record.matchedRules.map((r) => ({ ruleId: r.ruleId, kind: r.kind, effect: r.effect, severity: r.severity, reason: r.reason })),
      policyVersion: record.policyVersion,
      policyHash: record.policyHash,
      configVersion: record.configVersion,
      enforcerId: record.enforcerId,
      errorCode: record.errorCode,
      requestedAt: record.requestedAt.toISOString(),
      decidedAt: record.decidedAt.toISOString(),
    },
    receipt: record.receipt ?? null,
    evidence: { url: evidenceUrl(input.ledgerPublicUrl, record.decisionId) },
    ...(reason.kind === 'approval' && record.approval && input.approvalUrl
      ? { approval: { requestId: record.approval.requestId, expiresAt: (record.approval.expiresAt ?? record.decidedAt).toISOString(), url: input.approvalUrl } }
      : {}),
  };
}

function titleOf(record: DecisionRecord, kind: AlertKind): string {
  const call = `${record.tool} by ${record.agentId}`;
  if (kind === 'block') return `Blocked ${call}`;
  if (kind === 'approval') return `Approval needed: ${call}`;
  const verdict = record.outcome === 'deny' ? 'blocked' : record.outcome === 'would_deny' ? 'would be blocked (shadow)' : 'allowed and flagged';
  return `Credential drift: ${call}, ${verdict}`;
}
