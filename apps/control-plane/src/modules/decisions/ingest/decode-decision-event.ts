import { toJson } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { ApprovalStep_Kind, decisionEventProblem, Effect, readDecisionEvent, ReceiptSchema, RuleKind, Severity, type DecisionEvent, type ApprovalStep, type DecisionEventCode, type MatchedRule } from '@thoth/contracts';
import type { DecisionOutcome, DecisionRecord, RecordedApprovalStep, RecordedRule } from '../domain/decision-record.js';

/** Why a message of the decision stream was not ingested; stable codes, counted and logged. */
export type PoisonCode = DecisionEventCode;

/** One message of the decision stream, decoded: a record to store, or why not. */
export type IncomingDecision =
  | { readonly ok: true; readonly record: DecisionRecord; readonly event: DecisionEvent; readonly bytes?: Uint8Array }
  | { readonly ok: false; readonly code: PoisonCode; readonly reason: string };

const MAX_TEXT = 4096;
// Postgres timestamptz reaches further, but nothing an enforcer decides is outside these.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/** A Kafka message's value (a protobuf DecisionEvent) as a record to ingest. */
export function decodeDecisionMessage(value: Uint8Array | null | undefined): IncomingDecision {
  const read = readDecisionEvent(value);
  if (!read.ok) return poison(read.code, read.reason);
  const decoded = recordOfEvent(read.event);
  // The bytes as received: the receipt's digest is taken over them, not over an encoding of the decoded event.
  return decoded.ok && value ? { ...decoded, bytes: value } : decoded;
}

/**
 * A DecisionEvent flattened into the read model's shape, or `event.invalid` with the first
 * problem found. Everything stored must be storable: no NUL characters or lone surrogates
 * (Postgres text and jsonb refuse them), times and versions in range.
 */
export function recordOfEvent(e: DecisionEvent): IncomingDecision {
  // What every consumer of the decision stream checks (identifiers, tool, effect), then what a stored record needs.
  const unusable = decisionEventProblem(e);
  if (unusable !== undefined) return invalid(unusable);
  if (e.receipt === undefined) return invalid('receipt is required');
  const decidedAt = dateOf(e.decidedAt);
  if (decidedAt === undefined) return invalid('decided_at is required, between 2000 and 9999');
  const requestedAt = e.requestedAt === undefined ? decidedAt : dateOf(e.requestedAt);
  if (requestedAt === undefined) return invalid('requested_at must be between 2000 and 9999');
  if (e.policyVersion > BigInt(Number.MAX_SAFE_INTEGER) || e.configVersion > BigInt(Number.MAX_SAFE_INTEGER)) {
    return invalid('policy_version and config_version must be below 2^53');
  }

  const approval = e.approval === undefined ? undefined : approvalOf(e.approval);
  if (approval === null) return invalid('approval: kind is not a step this build knows, or request_id is empty');
  const record: DecisionRecord = {
    tenantId: e.tenantId,
    decisionId: e.decisionId,
    requestId: e.requestId,
    agentId: e.agentId,
    tool: e.tool,
    resource: e.resource,
    credentialFingerprint: e.credentialFingerprint,
    sourceIp: e.source?.ip ?? '',
    sourceRegion: e.source?.region ?? '',
    outcome: outcomeOf(e),
    shadow: e.shadow,
    matchedRules: e.matchedRules.map(ruleOf),
    policyVersion: Number(e.policyVersion),
    policyHash: e.policyHash,
    configVersion: Number(e.configVersion),
    enforcerId: e.enforcerId,
    argumentsDigest: e.argumentsDigest,
    arguments: argumentsOf(e.retainedArgumentsJson),
    errorCode: e.errorCode,
    requestedAt,
    decidedAt,
    // Reasons are free text (a policy's words, quoting what a caller sent): stored sanitised,
    // never a reason to drop the decision. The read model's copy of such a receipt no longer
    // verifies; the ledger keeps the signed bytes as received.
    receipt: toJson(ReceiptSchema, { ...e.receipt, reasons: e.receipt.reasons.map(freeText) }),
    ...(approval ? { approval } : {}),
  };
  const problem = unstorable(record);
  return problem === undefined ? { ok: true, record, event: e } : invalid(problem);
}

/** allow; deny (blocked); would_deny (policy denied, shadow mode let it through); approval_required (held). */
function outcomeOf(e: DecisionEvent): DecisionOutcome {
  if (e.effect === Effect.DENY) return 'deny';
  if (e.effect === Effect.REQUIRE_APPROVAL) return 'approval_required';
  return e.shadow ? 'would_deny' : 'allow';
}

const STEPS: Partial<Record<ApprovalStep_Kind, RecordedApprovalStep['kind']>> = {
  [ApprovalStep_Kind.REQUESTED]: 'requested',
  [ApprovalStep_Kind.APPROVED]: 'approved',
  [ApprovalStep_Kind.REJECTED]: 'rejected',
  [ApprovalStep_Kind.USED]: 'used',
  [ApprovalStep_Kind.REFUSED]: 'refused',
};

/** The step, or null when it says nothing usable (an unknown kind, no request id). */
function approvalOf(step: ApprovalStep): RecordedApprovalStep | null {
  const kind = STEPS[step.kind];
  if (kind === undefined || step.requestId === '') return null;
  return {
    kind,
    requestId: step.requestId,
    expiresAt: dateOf(step.expiresAt),
    decidedBy: freeText(step.decidedBy),
    comment: freeText(step.comment),
    ruleIds: step.ruleIds.map(freeText),
  };
}

const SEVERITY: Record<Severity, RecordedRule['severity']> = {
  [Severity.UNSPECIFIED]: 'unspecified',
  [Severity.LOW]: 'low',
  [Severity.MEDIUM]: 'medium',
  [Severity.HIGH]: 'high',
  [Severity.CRITICAL]: 'critical',
};

const EFFECTS: ReadonlySet<string> = new Set(['deny', 'flag', 'observe', 'allow']);

function ruleOf(rule: MatchedRule): RecordedRule {
  return {
    ruleId: rule.ruleId,
    reason: freeText(rule.reason),
    severity: SEVERITY[rule.severity] ?? 'unspecified',
    // RULE_KIND_BLAST_RADIUS → blast_radius; a kind this build does not know keeps its number.
    kind: (RuleKind[rule.kind] as string | undefined)?.toLowerCase() ?? String(rule.kind),
    effect: EFFECTS.has(rule.effect) ? (rule.effect as RecordedRule['effect']) : '',
  };
}

/**
 * Retained arguments as parsed JSON. Bytes that are not JSON, or JSON Postgres would refuse
 * (a NUL or a lone surrogate in a string), are dropped: the decision is kept, with its digest.
 */
function argumentsOf(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    return storableJson(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  if (timestamp === undefined) return undefined;
  // Whole milliseconds (truncated), as JavaScript reads them back: a cursor built from a row compares equal to it.
  const ms = Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
  return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? new Date(ms) : undefined;
}

/** The first string Postgres would refuse (NUL, lone surrogate) or that is absurdly long, by where it is. */
function unstorable(record: DecisionRecord): string | undefined {
  for (const [field, value] of Object.entries(record)) {
    if (typeof value === 'string') {
      if (value.length > MAX_TEXT) return `${field} is longer than ${MAX_TEXT} characters`;
      if (!storable(value)) return `${field} holds a NUL character or a lone surrogate`;
    } else if (field !== 'arguments' && typeof value === 'object' && value !== null && !(value instanceof Date) && !storableJson(value)) {
      return `${field} holds a NUL character or a lone surrogate`;
    }
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const UNSTORABLE = new RegExp(`\u0000|${LONE_SURROGATE.source}`, 'g');

/** Free text as Postgres stores it: NUL and lone surrogates replaced by U+FFFD, at most MAX_TEXT characters. */
export function freeText(s: string): string {
  const clean = s.replace(UNSTORABLE, '\uFFFD');
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT - 1).replace(/[\uD800-\uDBFF]$/, '')}…` : clean;
}

function storable(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

function storableJson(value: unknown): boolean {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.every(storableJson);
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => storable(k) && storableJson(v));
  return true;
}

function invalid(reason: string): IncomingDecision {
  return poison('event.invalid', reason);
}

function poison(code: PoisonCode, reason: string): IncomingDecision {
  return { ok: false, code, reason };
}
