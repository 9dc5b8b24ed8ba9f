import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { Metadata } from '@grpc/grpc-js';
import {
  ApprovalStep_Kind,
  decideRequestProblem,
  getApprovalRequestProblem,
  DecisionEventSchema,
  jsonNestsDeeperThan,
  MAX_ARGUMENTS_DEPTH,
  Effect,
  MatchedRuleSchema,
  Outcome,
  RiskTier,
  RuleKind,
  Severity,
  type ApprovalStatus,
  type ApprovalStep,
  type DecideRequest,
  type DecideResponse,
  type DecisionEvent,
  type GetApprovalRequest,
  type MatchedRule,
  type WindowUpdate,
} from '@thoth/contracts';
import { ERROR_CODE_HEADER, GrpcError, messageEncoder, type GrpcCode } from '@thoth/grpc';
import {
  decide,
  type ApprovalNeed,
  type Decision,
  type LeaseNeed,
  type MatchKind,
  type RiskTier as PolicyRiskTier,
  type Severity as PolicySeverity,
  type StateUpdate,
  type WindowState,
  type WindowStateView,
} from '@thoth/policy';
import { eventDigestOf, ReceiptIssuer, type Signer } from '@thoth/snapshot';
import { hash } from 'node:crypto';
import { redactArguments } from './redact-arguments.js';
import { Approvals } from '../approvals/approvals.js';
import type { DecisionLog } from '../emit/decision-log.js';
import type { LeasedBudgets } from '../fleet/leases.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ActiveSnapshots, ActiveTenant } from '../sync/active-snapshots.js';
import type { ConfigStaleness } from '../sync/config-staleness.js';
import type { EnforcerMetrics, OutcomeLabel, WindowQuota } from './metrics.js';
import { compositeKey, DEFAULT_IDEMPOTENCY_MAX_ENTRIES, DEFAULT_IDEMPOTENCY_TTL_MS, IdempotencyCache } from './idempotency-cache.js';
import { ReceiptBatcher } from './receipt-batcher.js';
import { UnauthenticatedRefusals } from './unauthenticated-refusals.js';
import { uuidv7 } from './uuidv7.js';

/**
 * Why a request about an authenticated agent was not evaluated, and the gRPC status unary Decide
 * answers with. Each is still a recorded denial (DecisionEvent.error_code).
 */
export const REQUEST_ERRORS = {
  INVALID_ARGUMENTS_JSON: 'INVALID_ARGUMENT',
  ARGUMENTS_TOO_LARGE: 'RESOURCE_EXHAUSTED',
  /** arguments_json nests arrays and objects deeper than MAX_ARGUMENTS_DEPTH (@thoth/contracts), found before it is parsed. */
  ARGUMENTS_TOO_DEEP: 'INVALID_ARGUMENT',
  /** The request_id was answered recently for a different call (tool, arguments, resource or credential). */
  REQUEST_ID_REUSED: 'INVALID_ARGUMENT',
} as const satisfies Record<string, GrpcCode>;
export type RequestErrorCode = keyof typeof REQUEST_ERRORS;

/**
 * Refusals before the agent is authenticated, and the gRPC status unary Decide answers with
 * (NOT_READY: none, a DENY answer, so that the SDK applies its fail mode). None is a decision:
 * nothing is signed, published, counted against a window or remembered; the answer has no
 * decision id, and is in-band on DecideStream. Counted in thoth_enforcer_unauthenticated_refusals_total
 * and sampled in the log (UnauthenticatedRefusals; docs/security.md, "Refusals before authentication").
 */
export const UNRECORDED_REFUSALS = {
  NOT_READY: 'OK',
  /** A field over its limits, with a control character or lone surrogate, tenant_id not a UUID (@thoth/contracts FIELD_LIMITS). */
  MALFORMED_FIELD: 'INVALID_ARGUMENT',
  MISSING_FIELD: 'INVALID_ARGUMENT',
  MISSING_AGENT_TOKEN: 'UNAUTHENTICATED',
  /**
   * An unknown tenant, an unknown agent, a token that is not the agent's or one revoked: one code,
   * one message, so that a caller learns nothing of which tenants and agents exist.
   */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The peer had more refusals this minute than it may (THOTH_ENFORCER_REFUSALS_PER_PEER_PER_MINUTE). */
  RATE_LIMITED: 'RESOURCE_EXHAUSTED',
} as const satisfies Record<string, GrpcCode>;
export type UnrecordedRefusalCode = keyof typeof UNRECORDED_REFUSALS;

const UNAUTHENTICATED_MESSAGE = 'no agent of this tenant holds this token: check the tenant id, the agent id and the token';

/**
 * A call with a new window counter that could not be kept (a quota of the window state was
 * full): its error code and matched rule. Decided by the tenant's fail mode: denied when it
 * fails closed (the default), let through as a would-deny when it fails open.
 */
export const WINDOW_KEYS_EXHAUSTED = 'WINDOW_KEYS_EXHAUSTED';
export const WINDOW_KEYS_EXHAUSTED_RULE = 'enforcer.window_keys_exhausted';

/**
 * A call whose decision event the decision log could not keep (its buffer is full: Kafka slow
 * or unreachable): its error code and matched rule. Destructive calls are denied, writes unless
 * the policy says `decisionLogFull.write: open`, reads only if it says `decisionLogFull.read:
 * closed`; a call let through has its event dropped and counted.
 */
export const DECISION_LOG_FULL = 'DECISION_LOG_FULL';
export const DECISION_LOG_FULL_RULE = 'enforcer.decision_log_full';

/**
 * A call decided on snapshots the control plane has not confirmed for longer than the enforcer's
 * maximum staleness (ConfigStaleness): its error code and matched rule. Writes and destructive calls
 * are denied whatever the tenant's fail mode, reads follow it.
 */
export const CONFIG_STALE = 'CONFIG_STALE';
export const CONFIG_STALE_RULE = 'enforcer.config_stale';

/**
 * A call a strict limit denied for want of budget the control plane did not lease in time
 * (unreachable, slow): its error code and matched rule. Denied whatever the tenant's fail mode (a
 * hard cap fails closed); a shadow-mode tenant records it as a would-deny.
 */
export const LEASE_UNAVAILABLE = 'LEASE_UNAVAILABLE';
export const LEASE_UNAVAILABLE_RULE = 'enforcer.lease_unavailable';
/** How long a call waits for a strict limit's lease by default (THOTH_LEASE_WAIT_MS). */
export const DEFAULT_LEASE_WAIT_MS = 250;

/** Trailing metadata of a refused unary Decide: the recorded decision (none before authentication) and its code. */
export const DECISION_ID_HEADER = 'thoth-decision-id';
export { ERROR_CODE_HEADER };

export type DecideResult =
  | { readonly ok: true; readonly response: DecideResponse }
  /** `response` is the denial (recorded, or before authentication not), answered as such on DecideStream. */
  | { readonly ok: false; readonly error: GrpcError; readonly response: DecideResponse };

/**
 * A decision made: evaluated, counted against its windows, its receipt created. `signed`
 * resolves once the receipt is signed (with its batch) and the event handed to the log. A call
 * that waits for a strict limit's lease is decided when the lease comes: its `result` is there
 * once `signed` resolves (always read it then).
 */
export interface PendingDecision {
  readonly result: DecideResult;
  readonly signed: Promise<void>;
}

export interface DecisionServiceOptions {
  readonly enforcerId: string;
  readonly store: ActiveSnapshots;
  readonly state: WindowState;
  readonly signer: Signer;
  readonly decisionLog: DecisionLog;
  readonly metrics?: EnforcerMetrics;
  /** Largest arguments_json accepted, in bytes. */
  readonly maxArgumentsBytes: number;
  /** How long snapshots the control plane has not confirmed are trusted; omitted: no config stream. */
  readonly staleness?: ConfigStaleness;
  /**
   * Receipts signed together at most (receipt version 2, one signature per batch; see
   * ReceiptBatcher). Default 256; 0 signs each receipt alone (version 1).
   */
  readonly receiptBatchMax?: number;
  /**
   * Answers kept to give a retried request (same tenant, agent and request_id) the same
   * decision. Defaults: 10 minutes, 100,000 answers.
   */
  readonly idempotency?: { readonly ttlMs?: number; readonly maxEntries?: number };
  /**
   * Refusals before authentication: how many a peer may have a minute (default 600) and how many
   * are logged a minute (default 10), on `logger`.
   */
  readonly refusals?: { readonly perPeerPerMinute?: number; readonly logLinesPerMinute?: number };
  /**
   * Strict limits' budgets leased from the control plane, and how long a call that needs more
   * waits for them (default DEFAULT_LEASE_WAIT_MS); omitted: strict limits count as eventual ones.
   */
  readonly leases?: { readonly budgets: LeasedBudgets; readonly waitMs?: number };
  /**
   * Where a call presenting an approval the policy asks for has it used (docs/approvals.md);
   * omitted: no control plane to ask, such a call is denied APPROVAL_UNAVAILABLE.
   */
  readonly approvals?: Approvals;
  readonly logger?: Logger;
  readonly clock?: () => number;
}

const KIND: Record<MatchKind, RuleKind> = {
  rule: RuleKind.CONDITION,
  limit: RuleKind.BLAST_RADIUS,
  freeze: RuleKind.FREEZE_WINDOW,
  sequence: RuleKind.SEQUENCE,
  credential: RuleKind.CREDENTIAL,
  drift: RuleKind.DRIFT,
  agent_status: RuleKind.KILL_SWITCH,
  default: RuleKind.DEFAULT,
};
const SEVERITY: Record<PolicySeverity, Severity> = {
  low: Severity.LOW,
  medium: Severity.MEDIUM,
  high: Severity.HIGH,
  critical: Severity.CRITICAL,
};
const TIER: Record<PolicyRiskTier, RiskTier> = {
  read: RiskTier.READ,
  write: RiskTier.WRITE,
  destructive: RiskTier.DESTRUCTIVE,
};

/** The caller's tier; one this enforcer does not know is taken as the highest (a caller may only raise a tier). */
function callerTier(tier: RiskTier): PolicyRiskTier | undefined {
  switch (tier) {
    case RiskTier.UNSPECIFIED:
      return undefined;
    case RiskTier.READ:
      return 'read';
    case RiskTier.WRITE:
      return 'write';
    default:
      return 'destructive';
  }
}
const EFFECT: Record<Decision['effect'], Effect> = { allow: Effect.ALLOW, deny: Effect.DENY, approve: Effect.REQUIRE_APPROVAL };
const OUTCOME_LABEL: Record<Outcome, OutcomeLabel> = {
  [Outcome.UNSPECIFIED]: 'deny',
  [Outcome.ALLOW]: 'allow',
  [Outcome.DENY]: 'deny',
  [Outcome.WOULD_DENY]: 'would_deny',
  [Outcome.APPROVAL_REQUIRED]: 'approval_required',
};

const BEARER = /^Bearer\s+(\S+)$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const sha256Hex = (bytes: Uint8Array | string) => hash('sha256', bytes, 'hex');

/** The agent token of a call: `authorization: Bearer thoth_at_…`. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  return BEARER.exec(value.trim())?.[1];
}

interface Outcomes {
  effect: Effect;
  shadow: boolean;
  outcome: Outcome;
  matched: MatchedRule[];
  errorCode: string;
  errorMessage: string;
  /** The effective tier of an evaluated call; absent for a request refused before evaluation. */
  tier?: PolicyRiskTier;
  /** The window counters the engine moved (DecisionEvent.window_updates); absent: none. */
  updates?: readonly StateUpdate[];
  /** Strict limits that denied the call for want of leased budget. */
  leaseNeeds?: readonly LeaseNeed[];
  /** With REQUIRE_APPROVAL: the elements that asked and the request's lifetime (the request is the decision). */
  approval?: ApprovalNeed;
  /** A call that presented an approval: its use, or its refusal. */
  approvalStep?: ApprovalStep;
}

/**
 * Decides one call on the tenant's activated snapshot: authenticate the agent, check the
 * request, evaluate, sign the receipt, hand the DecisionEvent to the decision log (which
 * never blocks), answer. Never throws: whatever goes wrong once the agent is authenticated is
 * a recorded denial; before, an unrecorded refusal (UNRECORDED_REFUSALS).
 */
export class DecisionService {
  readonly #o: DecisionServiceOptions;
  readonly #clock: () => number;
  readonly receipts: ReceiptBatcher<Publication>;
  /** Receipt text and fields shared by a tenant config's decisions, per activated config. */
  readonly #issuers = new WeakMap<ActiveTenant, ReceiptIssuer>();
  /** Recent answers by (tenant, agent, request_id), in flight or complete. */
  readonly #answers: IdempotencyCache<PendingDecision>;
  readonly #refusals: UnauthenticatedRefusals;
  /** What `decide` reads: the window state, and with leases, the budgets held. */
  readonly #view: WindowStateView;
  readonly #approvals: Approvals;

  constructor(options: DecisionServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    const { state, leases } = options;
    this.#view = leases ? { read: (key, windowMs, now) => state.read(key, windowMs, now), lease: (key, windowMs, now) => leases.budgets.lease(key, windowMs, now) } : state;
    const log = options.decisionLog;
    this.receipts = new ReceiptBatcher<Publication>(options.signer, { maxBatch: options.receiptBatchMax ?? 256, deliver: (p) => log.publish(p.event, p.reserved) });
    const evictions = options.metrics?.idempotencyEvictions;
    this.#answers = new IdempotencyCache({
      ttlMs: options.idempotency?.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
      maxEntries: options.idempotency?.maxEntries ?? DEFAULT_IDEMPOTENCY_MAX_ENTRIES,
      ...(evictions ? { onEvict: (reason) => evictions.inc({ reason }) } : {}),
    });
    this.#refusals = new UnauthenticatedRefusals({ ...options.refusals, logger: options.logger ?? silentLogger, metrics: options.metrics, clock: this.#clock });
    this.#approvals = options.approvals ?? new Approvals({ enforcerId: options.enforcerId, calls: undefined, ...(options.metrics ? { consumed: options.metrics.approvalsConsumed } : {}) });
  }

  /** Decides and resolves with the answer once its receipt is signed. */
  async decide(request: DecideRequest, token: string | undefined, peer: string, traceParent = ''): Promise<DecideResult> {
    const pending = this.start(request, token, peer, traceParent);
    await pending.signed;
    return pending.result;
  }

  /**
   * Decides now (synchronously: evaluation and window updates happen in call order) and
   * returns the answer, whose receipt is complete once `signed` resolves. DecideStream uses
   * this to pipeline: many decisions of a stream share one receipt batch.
   *
   * Idempotent per (tenant, agent, request_id), once the agent is authenticated: a repeat
   * of a request answered within the TTL, or still being answered, gets that answer (same
   * decision id, same receipt) without being evaluated, counted or recorded again; a repeat
   * whose tool, arguments, resource or credential differ is refused REQUEST_ID_REUSED. An
   * empty request_id is never deduplicated. Requests refused before authentication are not
   * remembered (nothing was counted, and their answer must not be handed to another caller).
   *
   * `peer` is the caller's address: refusals before authentication are limited and logged by it.
   * `traceParent`: the W3C traceparent the decision's event carries (DecisionEvent.trace_parent),
   * already validated by the caller (@thoth/telemetry); empty: none.
   */
  start(request: DecideRequest, token: string | undefined, peer: string, traceParent = ''): PendingDecision {
    // Refused before anything is spent on it: no clock read, id or hash of its arguments.
    const malformed = decideRequestProblem(request);
    if (malformed !== undefined) {
      this.#o.metrics?.malformedRequests.inc({ field: malformed.field });
      return this.#refuseUnrecorded(request, peer, 'MALFORMED_FIELD', malformed.message, malformed.field);
    }
    const authenticated = this.#authenticate(request, ['tenantId', 'agentId', 'tool'], token);
    if ('refused' in authenticated) return this.#refuseUnrecorded(request, peer, authenticated.refused, authenticated.message, authenticated.cause);
    const { tenant } = authenticated;
    const now = this.#clock();
    const decisionId = uuidv7(now);
    const digest = sha256Hex(request.argumentsJson);
    if (request.requestId === '') return this.#authenticated(request, tenant, decisionId, digest, now, traceParent);
    // The tenant's config version is part of the key: a retry under the same config gets the
    // first answer, but after any change (a kill switch, a new policy) it is decided afresh —
    // an allow given before a suspension is never replayed after it.
    const key = compositeKey(request.tenantId, String(tenant.version), request.agentId, request.requestId);
    // The approval presented is part of the call: a request_id answered without one is not the
    // same call with one (REQUEST_ID_REUSED), so a held answer is never replayed to it.
    const fingerprint = compositeKey(request.tool, digest, request.resource, request.credentialFingerprint, request.approvalId);
    const seen = this.#answers.lookup(key, fingerprint, now);
    if (seen.kind === 'hit') {
      this.#o.metrics?.idempotentReplays.inc();
      return replay(seen.value);
    }
    if (seen.kind === 'conflict') {
      return this.#refuse(request, tenant, decisionId, digest, now, traceParent, 'REQUEST_ID_REUSED', `request_id ${request.requestId} was used for a different call (tool, arguments, resource, credential or approval presented); use a new request_id for a new call`);
    }
    const pending = this.#authenticated(request, tenant, decisionId, digest, now, traceParent);
    this.#answers.add(key, fingerprint, pending, now);
    // An answer whose receipt could not be signed was never given: a retry decides afresh.
    pending.signed.catch(() => this.#answers.forget(key, pending));
    return pending;
  }

  /**
   * Enforcer.GetApproval: where one of the agent's approval requests stands, from the control
   * plane (docs/approvals.md). The agent is authenticated exactly as Decide authenticates it, with
   * the same refusals before authentication, limited and logged alike; throws a GrpcError with
   * ERROR_CODE_HEADER (NOT_READY as UNAVAILABLE: there is nothing to decide for the SDK here).
   */
  async approvalStatus(request: GetApprovalRequest, token: string | undefined, peer: string): Promise<ApprovalStatus> {
    const malformed = getApprovalRequestProblem(request);
    if (malformed !== undefined) {
      this.#o.metrics?.malformedRequests.inc({ field: malformed.field });
      throw this.#unrecordedRefusal(request, peer, 'MALFORMED_FIELD', malformed.message, malformed.field).error;
    }
    const authenticated = this.#authenticate(request, ['tenantId', 'agentId', 'approvalId'], token);
    if ('refused' in authenticated) {
      const { code, message, error } = this.#unrecordedRefusal(request, peer, authenticated.refused, authenticated.message, authenticated.cause);
      throw error ?? new GrpcError('UNAVAILABLE', `${code}: ${message}`, { metadata: errorCodeMetadata(code) });
    }
    return this.#approvals.status(request.tenantId, request.agentId, request.approvalId);
  }

  /**
   * Who is calling: the agent its token authenticates, or why not (a refusal before
   * authentication). `required` fields must not be empty (MISSING_FIELD).
   */
  #authenticate<R extends { readonly tenantId: string; readonly agentId: string }>(
    request: R,
    required: readonly (keyof R & string)[],
    token: string | undefined,
  ): { tenant: ActiveTenant } | { refused: UnrecordedRefusalCode; message: string; cause?: string } {
    const { store } = this.#o;
    // Not ready: no snapshot at all, so no tenant's fail mode is known; denied, the SDK applies its own.
    if (store.size === 0) return { refused: 'NOT_READY', message: 'the enforcer has not received a config snapshot yet' };
    const missing = required.filter((f) => request[f] === '');
    if (missing.length > 0) return { refused: 'MISSING_FIELD', message: `missing ${missing.map(snake).join(', ')}` };
    // Before the tenant is looked up, so that it tells nothing about the tenant.
    if (token === undefined) return { refused: 'MISSING_AGENT_TOKEN', message: 'no agent token: send "authorization: Bearer <token>"' };
    // Hashed on every path, the tenant and agent unknown included, so that the time of the answer
    // does not tell them apart (about a microsecond); no clear-text token is kept beyond the request.
    const tokenHash = sha256Hex(token);
    const tenant = store.get(request.tenantId);
    const agent = tenant?.agents.get(request.agentId);
    if (tenant === undefined || agent === undefined || !agent.tokens.has(tokenHash)) {
      const cause = tenant === undefined ? 'unknown_tenant' : agent === undefined ? 'unknown_agent' : agent.revokedTokens.has(tokenHash) ? 'revoked_token' : 'invalid_token';
      return { refused: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE, cause };
    }
    return { tenant };
  }

  /** The rest of `start`, for an authenticated agent. */
  #authenticated(request: DecideRequest, tenant: ActiveTenant, decisionId: string, digest: string, now: number, trace: string): PendingDecision {
    if (request.argumentsJson.length > this.#o.maxArgumentsBytes) {
      return this.#refuse(request, tenant, decisionId, digest, now, trace, 'ARGUMENTS_TOO_LARGE', `arguments_json has ${request.argumentsJson.length} bytes; the limit is ${this.#o.maxArgumentsBytes}`);
    }
    if (jsonNestsDeeperThan(request.argumentsJson, MAX_ARGUMENTS_DEPTH)) {
      return this.#refuse(request, tenant, decisionId, digest, now, trace, 'ARGUMENTS_TOO_DEEP', `arguments_json nests arrays and objects more than ${MAX_ARGUMENTS_DEPTH} deep`);
    }
    let args: unknown = {};
    if (request.argumentsJson.length > 0) {
      try {
        args = JSON.parse(utf8.decode(request.argumentsJson));
      } catch (error) {
        return this.#refuse(request, tenant, decisionId, digest, now, trace, 'INVALID_ARGUMENTS_JSON', `arguments_json is not UTF-8 JSON: ${(error as Error).message}`);
      }
    }
    const evaluated = this.#evaluate(request, tenant, args, now, true);
    if ('needs' in evaluated) return this.#afterLease(request, tenant, decisionId, digest, args, evaluated.needs, trace);
    return this.#conclude(request, tenant, decisionId, digest, now, evaluated, trace);
  }

  /**
   * Records an evaluated call. One the policy holds for approval that presents an approval is
   * recorded once the control plane has answered whether it may use it (`#presentApproval`).
   */
  #conclude(request: DecideRequest, tenant: ActiveTenant, decisionId: string, digest: string, now: number, evaluated: Outcomes, trace: string): PendingDecision {
    let o = this.#whenStale(evaluated, tenant, now);
    if (o.effect === Effect.REQUIRE_APPROVAL && request.approvalId !== '') {
      // A call a stale snapshot would not let through is denied before the approval is used.
      const ifUsed = this.#whenStale(letThrough(o), tenant, now);
      if (ifUsed.effect !== Effect.DENY) return later(this.#presentApproval(request, tenant, decisionId, digest, o, trace));
      o = ifUsed;
    }
    const recorded = this.#record(request, tenant, decisionId, digest, now, o, trace);
    return { result: { ok: true, response: recorded.response }, signed: recorded.signed };
  }

  /**
   * A call the policy holds for approval, presenting one: the control plane uses the approval for
   * this exact call (binding: tenant, agent, tool, arguments digest, resource, credential
   * fingerprint), once across the fleet, and the call is let through on it; any other answer, or
   * none in time, denies it with the refusal's code (docs/approvals.md). The event's place in the
   * decision log is held first: an approval is not used up for a call whose record cannot be kept.
   */
  async #presentApproval(request: DecideRequest, tenant: ActiveTenant, decisionId: string, digest: string, held: Outcomes, trace: string): Promise<{ response: DecideResponse; signed: Promise<void> }> {
    const reserved = this.#o.decisionLog.reserve();
    if (!reserved && this.#whenLogFull(letThrough(held), tenant).effect === Effect.DENY) return this.#record(request, tenant, decisionId, digest, this.#clock(), letThrough(held), trace, false);
    const approvalId = request.approvalId;
    const used = await this.#approvals.consume(
      {
        tenantId: request.tenantId,
        agentId: request.agentId,
        approvalId,
        tool: request.tool,
        argumentsDigest: digest,
        resource: request.resource,
        credentialFingerprint: request.credentialFingerprint,
      },
      decisionId,
    );
    const step = (kind: ApprovalStep_Kind): ApprovalStep => ({
      $typeName: 'thoth.decision.v1.ApprovalStep',
      kind,
      requestId: approvalId,
      decidedBy: used.decidedBy,
      comment: '',
      ruleIds: [],
      ...(used.expiresAtMs !== undefined ? { expiresAt: timestampFromMs(used.expiresAtMs) } : {}),
    });
    const ruleId = `approval:${approvalId}`;
    const o: Outcomes = used.used
      ? {
          ...held,
          effect: Effect.ALLOW,
          shadow: false,
          outcome: Outcome.ALLOW,
          matched: [...held.matched, rule(ruleId, `approved by ${used.decidedBy || 'an approver'}: approval ${approvalId} is used by this call`, RuleKind.APPROVAL, Severity.LOW, 'allow')],
          approvalStep: step(ApprovalStep_Kind.USED),
        }
      : {
          ...held,
          effect: Effect.DENY,
          shadow: false,
          outcome: Outcome.DENY,
          matched: [...held.matched, rule(ruleId, `${used.code}: ${used.reason}`, RuleKind.APPROVAL, Severity.HIGH, 'deny')],
          errorCode: used.code,
          errorMessage: `approval ${approvalId}: ${used.reason}`,
          approvalStep: step(ApprovalStep_Kind.REFUSED),
        };
    return this.#record(request, tenant, decisionId, digest, this.#clock(), o, trace, reserved);
  }

  /**
   * A call a strict limit denied for want of budget: asks the control plane for it (waiting at
   * most the lease wait) and decides again, once. Still short after an answer: denied by the limit;
   * no answer in time: denied LEASE_UNAVAILABLE.
   */
  #afterLease(request: DecideRequest, tenant: ActiveTenant, decisionId: string, digest: string, args: unknown, needs: readonly LeaseNeed[], trace: string): PendingDecision {
    const leases = this.#o.leases!;
    const pending = { result: undefined as unknown as DecideResult, signed: undefined as unknown as Promise<void> };
    pending.signed = leases.budgets.acquire(request.tenantId, needs, leases.waitMs ?? DEFAULT_LEASE_WAIT_MS).then((outcome) => {
      const now = this.#clock();
      let o = this.#evaluate(request, tenant, args, now, false) as Outcomes;
      if (outcome === 'unavailable' && o.leaseNeeds !== undefined) {
        const reason = `the control plane leased no budget for strict limit${o.leaseNeeds.length === 1 ? '' : 's'} ${o.leaseNeeds.map((n) => `'${n.limitId}'`).join(', ')} within ${leases.waitMs ?? DEFAULT_LEASE_WAIT_MS} ms: a strict limit is not let through without it`;
        o = overrule(o, tenant, 'closed', LEASE_UNAVAILABLE, LEASE_UNAVAILABLE_RULE, reason);
      }
      const decided = this.#conclude(request, tenant, decisionId, digest, now, o, trace);
      return decided.signed.then(() => {
        pending.result = decided.result;
      });
    });
    return pending;
  }

  /**
   * `mayLease`: a call a strict limit denied for want of budget the control plane may still
   * lease is not counted; its needs are returned instead (`#afterLease` decides it again).
   */
  #evaluate(request: DecideRequest, tenant: ActiveTenant, args: unknown, now: number, mayLease: boolean): Outcomes | { needs: readonly LeaseNeed[] } {
    const risk = callerTier(request.riskTier);
    let decision: Decision;
    try {
      decision = decide(
        tenant.policy,
        {
          tenantId: request.tenantId,
          agent: { id: request.agentId },
          tool: request.tool,
          args,
          ...(request.resource ? { resource: request.resource } : {}),
          ...(request.credentialFingerprint ? { credential: { fingerprint: request.credentialFingerprint } } : {}),
          ...(request.source ? { source: { ...(request.source.ip ? { ip: request.source.ip } : {}), ...(request.source.region ? { region: request.source.region } : {}) } } : {}),
          ...(request.requestedAt ? { time: timestampMs(request.requestedAt) } : {}),
          ...(risk ? { risk } : {}),
        },
        this.#view,
        now,
        // Fail modes are the engine's (element by element, never for a destructive call), so that
        // the control plane's replays decide as the enforcer does.
        { failMode: tenant.failOpen ? 'open' : 'closed' },
      );
    } catch (error) {
      // decide() does not throw; if it ever does, nothing says which element failed: fail closed.
      const reason = `evaluation failed: ${(error as Error).message}`;
      return { ...deny([{ ruleId: 'enforcer.fail_closed', reason, kind: RuleKind.DEFAULT }]), errorCode: 'EVALUATION_ERROR', errorMessage: reason };
    }
    const budgets = this.#o.leases?.budgets;
    // Unless the fleet's budget is known to be spent (retry_at), the call waits for a lease.
    if (mayLease && budgets !== undefined && decision.leases !== undefined && budgets.exhaustedUntil(decision.leases, now) === undefined) return { needs: decision.leases };
    // Strict updates are counted in the windows too: what a reading without leases would see
    // (an enforcer restarted without a control plane), under the same key quotas as every key.
    const counted = this.#o.state.apply(decision.updates, now, { tenantId: request.tenantId, agentId: request.agentId });
    budgets?.spend(decision.updates, now);
    const matched = decision.matched.map((m) => rule(m.ruleId, m.reason, KIND[m.kind], SEVERITY[m.severity], m.effect));
    if (budgets !== undefined && decision.leases !== undefined) {
      // The caller learns when the fleet's budget frees up again.
      for (const need of decision.leases) {
        const retryAt = budgets.retryAt(need.key);
        const m = matched.find((r) => r.ruleId === need.limitId);
        if (m !== undefined && retryAt > now) m.reason += `; the fleet's budget is spent until ${new Date(retryAt).toISOString()} (retry in ${Math.ceil((retryAt - now) / 1000)} s)`;
      }
    }
    let effect = EFFECT[decision.effect];
    let shadow = decision.shadow;
    let errorCode = '';
    let errorMessage = '';
    if (decision.error) {
      // Already decided by the engine: its matched rule says whether the element failed open or closed.
      errorCode = 'EVALUATION_ERROR';
      errorMessage = `${decision.error.code} in ${decision.error.ruleId}: ${decision.error.message}`;
    }
    if (counted.untracked > 0) {
      // A new counter of this call could not be kept (docs/security.md, "Window counters under a
      // flood"): the call was not counted, so the tenant's fail mode decides it.
      const quota = counted.quota ?? 'enforcer';
      this.#o.metrics?.windowUntracked.inc({ quota });
      const reason = `${this.#quotaText(quota, request)}: the call could not be counted against its windows`;
      matched.push(rule(WINDOW_KEYS_EXHAUSTED_RULE, reason, RuleKind.BLAST_RADIUS, Severity.HIGH, 'deny'));
      if (errorCode === '') {
        errorCode = WINDOW_KEYS_EXHAUSTED;
        errorMessage = reason;
      }
      if (effect === Effect.ALLOW && !shadow) {
        if (tenant.policy.mode === 'shadow') {
          // Shadow mode blocks nothing, whatever the fail mode: recorded as a would-deny.
          shadow = true;
        } else if (tenant.failOpen && decision.tier !== 'destructive') {
          shadow = true;
          matched.push(rule('enforcer.fail_open', `tenant fails open: ${reason}`, RuleKind.DEFAULT, Severity.HIGH, 'allow'));
        } else {
          effect = Effect.DENY;
        }
      } else if (effect === Effect.REQUIRE_APPROVAL && !(tenant.failOpen && decision.tier !== 'destructive')) {
        // A held call would be let through on an approval: not one that could not be counted, failing closed.
        effect = Effect.DENY;
      }
    }
    const outcome = effect === Effect.DENY ? Outcome.DENY : effect === Effect.REQUIRE_APPROVAL ? Outcome.APPROVAL_REQUIRED : shadow ? Outcome.WOULD_DENY : Outcome.ALLOW;
    return {
      effect,
      shadow,
      outcome,
      matched,
      errorCode,
      errorMessage,
      tier: decision.tier,
      updates: decision.updates,
      ...(decision.leases ? { leaseNeeds: decision.leases } : {}),
      ...(effect === Effect.REQUIRE_APPROVAL && decision.approval ? { approval: decision.approval } : {}),
    };
  }

  /**
   * An evaluated call whose event the decision log cannot keep: destructive calls are denied,
   * writes and reads as the tenant's policy says (`decisionLogFull`).
   */
  #whenLogFull(o: Outcomes, tenant: ActiveTenant): Outcomes {
    const tier = o.tier ?? 'write';
    const mode = tier === 'destructive' ? 'closed' : tenant.policy.decisionLogFull[tier];
    // Only a call let through needs its record kept first; a denied or held one does not run.
    if (o.effect !== Effect.ALLOW || mode === 'open') return o;
    const reason = `the decision log is full (its buffer of ${this.#o.decisionLog.stats().capacity} events is taken): a ${tier} call is not let through without its record`;
    return overrule(o, tenant, mode, DECISION_LOG_FULL, DECISION_LOG_FULL_RULE, reason);
  }

  /**
   * An evaluated call on snapshots past the maximum staleness: writes and destructive calls are
   * denied, whatever the tenant's fail mode (else whoever blocks the config stream switches
   * enforcement off); reads follow it.
   */
  #whenStale(o: Outcomes, tenant: ActiveTenant, now: number): Outcomes {
    if (this.#o.staleness === undefined || o.tier === undefined || o.effect !== Effect.ALLOW) return o;
    const stale = this.#o.staleness.stale(now);
    if (stale === undefined) return o;
    const mode = o.tier === 'read' && tenant.failOpen ? 'fail_open' : 'closed';
    const overruled = overrule(o, tenant, mode, CONFIG_STALE, CONFIG_STALE_RULE, `${stale}: a ${o.tier} call is not let through on a snapshot that may be out of date`);
    if (overruled.effect === Effect.DENY) this.#o.metrics?.configStaleDenials.inc({ tier: o.tier });
    return overruled;
  }

  #quotaText(quota: WindowQuota, request: DecideRequest): string {
    const { state } = this.#o;
    switch (quota) {
      case 'agent':
        return `agent ${request.agentId} already holds ${state.maxKeysPerAgent} window counters, its quota`;
      case 'tenant':
        return `tenant ${request.tenantId} already holds ${state.maxKeysPerTenant} window counters, its quota`;
      case 'enforcer':
        return `the enforcer already holds ${state.maxKeys} window counters, all it keeps`;
    }
  }

  #refuse(
    request: DecideRequest,
    tenant: ActiveTenant,
    decisionId: string,
    digest: string,
    now: number,
    trace: string,
    code: RequestErrorCode,
    message: string,
  ): PendingDecision {
    const { response, signed } = this.#record(
      request,
      tenant,
      decisionId,
      digest,
      now,
      { ...deny([{ ruleId: `request.${code.toLowerCase()}`, reason: message, kind: RuleKind.DEFAULT }]), errorCode: code, errorMessage: message },
      trace,
    );
    const metadata = new Metadata();
    metadata.set(DECISION_ID_HEADER, decisionId);
    metadata.set(ERROR_CODE_HEADER, code);
    return { result: { ok: false, error: new GrpcError(REQUEST_ERRORS[code], `${code}: ${message}`, { metadata }), response }, signed };
  }

  /**
   * A refusal before authentication: answered DENY with its code (a gRPC status on Decide, but
   * NOT_READY; in-band on DecideStream), neither signed nor published; counted and sampled in the
   * log. A peer past its refusals of the minute is answered RATE_LIMITED instead (NOT_READY is not
   * the caller's doing, and is never limited). `cause` is for the log alone.
   */
  #refuseUnrecorded(request: DecideRequest, peer: string, refused: UnrecordedRefusalCode, refusedMessage: string, cause?: string): PendingDecision {
    const { code, message, error } = this.#unrecordedRefusal(request, peer, refused, refusedMessage, cause);
    const response: DecideResponse = {
      $typeName: 'thoth.decision.v1.DecideResponse',
      decisionId: '',
      effect: Effect.DENY,
      shadow: false,
      matchedRules: [],
      policyVersion: 0n,
      policyHash: '',
      requestId: request.requestId,
      errorCode: code,
      errorMessage: message,
    };
    if (error === undefined) return { result: { ok: true, response }, signed: Promise.resolve() };
    return { result: { ok: false, error, response }, signed: Promise.resolve() };
  }

  /** Limits, counts and samples a refusal before authentication; `error` is its gRPC status (none for NOT_READY). */
  #unrecordedRefusal(
    who: { readonly tenantId: string; readonly agentId: string },
    peer: string,
    refused: UnrecordedRefusalCode,
    refusedMessage: string,
    cause: string = refused.toLowerCase(),
  ): { code: UnrecordedRefusalCode; message: string; error: GrpcError | undefined } {
    const limited = refused !== 'NOT_READY' && !this.#refusals.admit(peer);
    const code = limited ? 'RATE_LIMITED' : refused;
    const message = limited ? 'too many refused requests from this address' : refusedMessage;
    // A malformed field is not repeated in the log; the others were checked (FIELD_LIMITS).
    this.#refusals.record(refused === 'MALFORMED_FIELD' ? { peer, reason: code, cause } : { peer, reason: code, cause, tenantId: who.tenantId, agentId: who.agentId });
    const status = UNRECORDED_REFUSALS[code];
    return { code, message, error: status === 'OK' ? undefined : new GrpcError(status, `${code}: ${message}`, { metadata: errorCodeMetadata(code) }) };
  }

  /** Logs the count of refusals before authentication not logged yet. */
  close(): void {
    this.#refusals.flush();
  }

  /**
   * Holds the event's place in the decision log (an evaluated call that cannot have one is
   * decided by `#whenLogFull`), builds the event, creates its receipt over the event's digest,
   * counts, and returns the answer; once the receipt is signed, publishes the event.
   */
  #record(
    request: DecideRequest,
    tenant: ActiveTenant,
    decisionId: string,
    digest: string,
    now: number,
    decided: Outcomes,
    /** DecisionEvent.trace_parent: the Decide's W3C trace context, or empty. */
    trace: string,
    /** Whether a place in the log is already held for this event (`#presentApproval`); undefined: hold one now. */
    alreadyReserved?: boolean,
  ): { response: DecideResponse; signed: Promise<void> } {
    const log = this.#o.decisionLog;
    const reserved = alreadyReserved ?? log.reserve();
    const o = reserved || decided.tier === undefined ? decided : this.#whenLogFull(decided, tenant);
    const decidedAt = timestampFromMs(now);
    const policyVersion = tenant.policyVersion;
    const policyHash = tenant.policyHash;
    const configVersion = tenant.version;
    const enforcerId = this.#o.enforcerId;
    // A call held for approval is the approval request: its id is the decision's.
    const requested = o.effect === Effect.REQUIRE_APPROVAL && o.approval !== undefined ? { expiresAt: timestampFromMs(now + o.approval.expiresInMs), ruleIds: o.approval.ruleIds } : undefined;
    // Built field by field (no protobuf-es reflection on the hot path); every field of the
    // message but the receipt is named, so one added to the schema fails to compile here.
    const event: DecisionEvent = {
      $typeName: 'thoth.decision.v1.DecisionEvent',
      decisionId,
      requestId: request.requestId,
      tenantId: request.tenantId,
      agentId: request.agentId,
      tool: request.tool,
      argumentsDigest: digest,
      // An approval request keeps the arguments whatever the tenant's retention: a person reads them to decide.
      // What must never be kept (card numbers, credentials) is redacted before the event is signed and sent.
      retainedArgumentsJson: (tenant.retainArguments && o.errorCode === '') || requested !== undefined ? redactArguments(request.argumentsJson) : NO_BYTES,
      resource: request.resource,
      credentialFingerprint: request.credentialFingerprint,
      effect: o.effect,
      shadow: o.shadow,
      matchedRules: o.matched,
      policyVersion,
      policyHash,
      enforcerId,
      decidedAt,
      errorCode: o.errorCode,
      errorMessage: o.errorMessage,
      configVersion,
      riskTier: o.tier === undefined ? RiskTier.UNSPECIFIED : TIER[o.tier],
      windowUpdates: o.updates === undefined || o.updates.length === 0 ? NO_UPDATES : o.updates.map(windowUpdate),
      traceParent: trace,
    };
    if (request.source) event.source = request.source;
    if (request.requestedAt) event.requestedAt = request.requestedAt;
    if (requested !== undefined) {
      event.approval = { $typeName: 'thoth.decision.v1.ApprovalStep', kind: ApprovalStep_Kind.REQUESTED, requestId: decisionId, expiresAt: requested.expiresAt, decidedBy: '', comment: '', ruleIds: [...requested.ruleIds] };
    } else if (o.approvalStep !== undefined) event.approval = o.approvalStep;
    const { receipt, signed } = this.receipts.create(
      this.#issuer(tenant),
      {
        decisionId,
        requestId: request.requestId,
        tenantId: request.tenantId,
        agentId: request.agentId,
        tool: request.tool,
        argumentsDigest: digest,
        outcome: o.outcome,
        reasons: o.matched.map((m) => `${m.ruleId}: ${m.reason}`),
        decidedAt,
        // The receipt signs the whole event: its digest is taken before the receipt is set.
        eventDigest: eventDigestOf(encodeEvent(event)),
      },
      (receipt) => {
        event.receipt = receipt;
        return { event, reserved };
      },
    );
    // A receipt that could not be signed has no event to fill the place held for it.
    if (reserved) signed.catch(() => log.release());
    this.#o.metrics?.decisions.inc({ outcome: OUTCOME_LABEL[o.outcome], error_code: o.errorCode });
    const response: DecideResponse = {
      $typeName: 'thoth.decision.v1.DecideResponse',
      decisionId,
      effect: o.effect,
      shadow: o.shadow,
      matchedRules: o.matched,
      policyVersion,
      policyHash,
      receipt,
      requestId: request.requestId,
      errorCode: o.errorCode,
      errorMessage: o.errorMessage,
    };
    if (requested !== undefined) response.approvalExpiresAt = requested.expiresAt;
    return { response, signed };
  }

  #issuer(tenant: ActiveTenant): ReceiptIssuer {
    let issuer = this.#issuers.get(tenant);
    if (issuer === undefined) {
      issuer = new ReceiptIssuer({ policyVersion: tenant.policyVersion, policyHash: tenant.policyHash, configVersion: tenant.version, enforcerId: this.#o.enforcerId }, this.#o.signer);
      this.#issuers.set(tenant, issuer);
    }
    return issuer;
  }
}

const NO_BYTES = new Uint8Array(0);
const NO_UPDATES: WindowUpdate[] = [];

/** An engine's counter update as DecisionEvent carries it (docs/fleet-state.md). */
function windowUpdate(u: StateUpdate): WindowUpdate {
  return { $typeName: 'thoth.decision.v1.WindowUpdate', key: u.key, windowMs: BigInt(u.windowMs), calls: u.calls, records: BigInt(u.records) };
}
/** Byte for byte protobuf-es toBinary, without its reflection (libs/grpc message-encoder.ts). */
const encodeEvent = messageEncoder(DecisionEventSchema);

/** A decision event on its way to the log, and whether a place is held for it there. */
interface Publication {
  readonly event: DecisionEvent;
  readonly reserved: boolean;
}

/** A held call as it would be answered if its approval were used: what staleness and a full log are judged on. */
function letThrough(o: Outcomes): Outcomes {
  return { ...o, effect: Effect.ALLOW, shadow: false, outcome: Outcome.ALLOW };
}

/** A decision recorded once `work` is done (a lease, an approval), pipelined like any other: `result` is there once `signed` resolves. */
function later(work: Promise<{ response: DecideResponse; signed: Promise<void> }>): PendingDecision {
  const pending = { result: undefined as unknown as DecideResult, signed: undefined as unknown as Promise<void> };
  pending.signed = work.then((recorded) => {
    pending.result = { ok: true, response: recorded.response };
    return recorded.signed;
  });
  return pending;
}

/** A remembered answer given again: the same response; a refusal's status with its own metadata object. */
function replay(pending: PendingDecision): PendingDecision {
  // Still waiting for a lease: the same answer once it is decided.
  if ((pending.result as DecideResult | undefined) === undefined) return { get result() { return replay(pending).result; }, signed: pending.signed };
  const { result } = pending;
  if (result.ok) return pending;
  const { error } = result;
  return { result: { ok: false, error: new GrpcError(error.code, error.details, { metadata: error.metadata.clone() }), response: result.response }, signed: pending.signed };
}

/**
 * Overrules an evaluated call the enforcer cannot stand behind (its record cannot be kept, its
 * snapshot is stale), with its own rule and error code: `closed` denies it, `fail_open` lets it
 * through as a would-deny (the tenant fails open). Shadow mode blocks nothing: a would-deny.
 */
function overrule(o: Outcomes, tenant: ActiveTenant, mode: 'closed' | 'fail_open', errorCode: string, ruleId: string, reason: string): Outcomes {
  const matched = [...o.matched, rule(ruleId, reason, RuleKind.DEFAULT, Severity.HIGH, 'deny')];
  const errorMessage = o.errorCode === '' ? reason : `${reason}; ${o.errorMessage}`;
  if (tenant.policy.mode === 'shadow') return { ...o, shadow: true, outcome: Outcome.WOULD_DENY, matched, errorCode, errorMessage };
  if (mode === 'fail_open') {
    matched.push(rule('enforcer.fail_open', `tenant fails open: ${reason}`, RuleKind.DEFAULT, Severity.HIGH, 'allow'));
    return { ...o, shadow: true, outcome: Outcome.WOULD_DENY, matched, errorCode, errorMessage };
  }
  return { ...o, effect: Effect.DENY, shadow: false, outcome: Outcome.DENY, matched, errorCode, errorMessage };
}

/** `effect`: what the rule did (libs/policy MatchEffect: allow, deny, flag, observe). */
function rule(ruleId: string, reason: string, kind: RuleKind, severity: Severity = Severity.HIGH, effect = 'deny'): MatchedRule {
  return create(MatchedRuleSchema, { ruleId, reason, kind, severity, effect });
}

function deny(rules: { ruleId: string; reason: string; kind: RuleKind }[]): Omit<Outcomes, 'errorCode' | 'errorMessage'> {
  return { effect: Effect.DENY, shadow: false, outcome: Outcome.DENY, matched: rules.map((r) => rule(r.ruleId, r.reason, r.kind)) };
}

function errorCodeMetadata(code: string): Metadata {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_HEADER, code);
  return metadata;
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
