import { clone, create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Client, Metadata, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { jitteredBackoffMs } from '@thoth/backoff';
import { ApprovalStatus_State, DecideRequestSchema, Enforcer, RiskTier, type DecideRequest, type DecideResponse } from '@thoth/contracts';
import { channelCredentials, createClient, ERROR_CODE_HEADER, toGrpcError, type ChannelTls, type GrpcError, type ServiceClient } from '@thoth/grpc';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ThothDeniedError } from '../errors.js';
import type { Risk } from '../guard/fail-mode.js';
import { toDecision, type Decision, type PendingApproval } from './decision.js';
import { DecisionStream } from './decision-stream.js';
import { approvalBinding, PendingApprovals } from './pending-approvals.js';
import { backoffMs, shouldRetry, type RetryOptions } from './retry.js';

/** DecideRequest.risk_tier for each SDK risk. */
const RISK_TIER: Record<Risk, RiskTier> = { read: RiskTier.READ, write: RiskTier.WRITE, destructive: RiskTier.DESTRUCTIVE };

/** Trailing metadata of a refused Decide (apps/enforcer): its code, and the decision when one was recorded. */
const DECISION_ID_HEADER = 'thoth-decision-id';

export const DEFAULT_DEADLINE_MS = 250;

/**
 * Polling GetApproval while a call waits for a person: from 250 ms to 2 s between polls (a person
 * takes seconds; a waiting agent should learn of the approval within a couple of them), each poll
 * allowed 2 s (the enforcer asks the control plane) but never past the wait's deadline.
 */
const APPROVAL_POLL = { baseMs: 250, maxMs: 2_000, jitter: 'equal' } as const;
const APPROVAL_POLL_DEADLINE_MS = 2_000;
/**
 * The control plane learns of a request from the decision stream, a moment after the agent got its
 * answer (docs/approvals.md): until then GetApproval, and a call presenting the request, are answered
 * APPROVAL_NOT_FOUND. For this long after a request opened, the client reads that as "not known
 * yet", i.e. still pending; later, as the denial it is.
 */
const NOT_YET_KNOWN_MS = 30_000;

/** What a call that needs a person's approval does (docs/approvals.md). */
export interface ApprovalOptions {
  /**
   * How long to wait for a person to decide before raising ThothApprovalRequiredError. While it
   * waits, the client polls GetApproval; once approved it sends the same call again with the
   * approval and returns that answer; a rejected, expired or used request is a ThothDeniedError.
   * Default 0: raise at once.
   */
  readonly waitMs?: number;
}

/** Where an approval request stands (Enforcer.GetApproval). */
export interface ApprovalStatusInfo {
  readonly approvalId: string;
  readonly state: 'pending' | 'approved' | 'rejected' | 'expired' | 'used' | 'unspecified';
  readonly expiresAt: Date | undefined;
  /** Who approved or rejected it: `key:<key id>` or `user:<subject>`. */
  readonly decidedBy: string;
  readonly comment: string;
}

export interface ThothClientOptions {
  /** The enforcer's gRPC address, `host:port`. */
  readonly address: string;
  readonly tenantId: string;
  readonly agentId: string;
  /** The agent's token (`thoth_at_…`), sent as `authorization: Bearer` on every call. */
  readonly agentToken: string;
  /** Default: plaintext (an enforcer beside the agent, on loopback or in the pod); or `tls`. */
  readonly credentials?: ChannelCredentials;
  /**
   * TLS to the enforcer: the CA (PEM) its certificate must chain to, and for mutual TLS the agent's
   * certificate and key (PEM). Needs no grpc-js of the caller's own; `credentials` wins when both are given.
   */
  readonly tls?: ChannelTls;
  /** Extra grpc-js channel options. */
  readonly channelOptions?: ChannelOptions;
  /** Time allowed for one Decide attempt. Default 250 ms. */
  readonly deadlineMs?: number;
  readonly retry?: RetryOptions;
  /**
   * How decisions travel. `stream` (default): pipelined over one long-lived DecideStream
   * per client, answers matched by request_id; a broken stream is reopened on the next
   * call. `unary`: one Decide call each. Same answers and retry rules either way; the
   * stream costs less per call in grpc-js (no new HTTP/2 stream, headers or deadline
   * timer on the server per decision): `pnpm bench:sdk` measured p99 0.5 ms against
   * 3.7 ms for unary on the same machine.
   */
  readonly transport?: 'stream' | 'unary';
  /** Where the agent runs, recorded with each decision and matched by credential rules. */
  readonly source?: { readonly ip?: string; readonly region?: string };
  /** Calls that need a person's approval: default, don't wait (raise ThothApprovalRequiredError at once). */
  readonly approval?: ApprovalOptions;
}

/** One tool call to ask about. */
export interface ToolCall {
  readonly tool: string;
  /** JSON-serialisable arguments; or `argumentsJson`, the exact bytes the agent produced. */
  readonly arguments?: unknown;
  readonly argumentsJson?: Uint8Array | string;
  /** What the call touches, e.g. `crm://contacts/42`. */
  readonly resource?: string;
  /** `credentialFingerprint(token)` of the credential the tool will use. */
  readonly credentialFingerprint?: string;
  /** Default: a new UUID. Retries reuse it. */
  readonly requestId?: string;
  /**
   * An approval request to present (DecideRequest.approval_id). Default: the request an earlier call
   * with the same tool, arguments, resource and credential opened, if this client remembers one.
   */
  readonly approvalId?: string;
}

export interface DecideOptions {
  /**
   * Sent with the call (DecideRequest.risk_tier: the tenant's policy may only raise it) and
   * decides which failures are retried (see `isRetryable`; unset: retried as `write`).
   */
  readonly risk?: Risk;
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** Overrides the client's `approval` for this call. */
  readonly approval?: ApprovalOptions;
  /**
   * The W3C traceparent of the caller's span (`guard` sets it when the agent's process traces,
   * docs/telemetry.md): the call is then sent as a unary Decide with it in its `traceparent`
   * metadata, whatever the transport (a DecideStream's metadata is one for all its calls), and the
   * enforcer and the ledger continue that trace.
   */
  readonly traceParent?: string;
}

/**
 * The enforcer could not give an answer: every attempt failed at the transport (or the
 * enforcer failed internally). Carries the last gRPC status code; the guard turns it into
 * its fail mode.
 */
export class ThothTransportError extends Error {
  override readonly name = 'ThothTransportError';
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly attempts: number,
    readonly requestId: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Decide failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${code}: ${detail}`, options);
  }
}

const encoder = new TextEncoder();
const EMPTY_JSON = encoder.encode('{}');

/**
 * A connection to one enforcer for one agent. Holds one gRPC channel for its lifetime
 * (HTTP/2 connection reuse: no handshake per call); create one per agent process and
 * `close()` it at exit.
 */
export class ThothClient {
  readonly tenantId: string;
  readonly agentId: string;
  readonly #channel: Client;
  readonly #client: ServiceClient<typeof Enforcer>;
  readonly #metadata: Metadata;
  readonly #deadlineMs: number;
  readonly #retry: RetryOptions;
  readonly #source: ThothClientOptions['source'];
  readonly #stream: DecisionStream | undefined;
  readonly #approval: ApprovalOptions;
  readonly #pending = new PendingApprovals();
  #closed = false;

  constructor(options: ThothClientOptions) {
    this.tenantId = options.tenantId;
    this.agentId = options.agentId;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#retry = options.retry ?? {};
    this.#source = options.source;
    this.#approval = options.approval ?? {};
    this.#channel = new Client(options.address, options.credentials ?? channelCredentials(options.tls), {
      // Reconnect quickly after an enforcer restart: its answers are what every tool waits on.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 5_000,
      ...options.channelOptions,
    });
    this.#client = createClient(Enforcer, this.#channel);
    this.#metadata = new Metadata();
    this.#metadata.set('authorization', `Bearer ${options.agentToken}`);
    this.#stream = (options.transport ?? 'stream') === 'stream' ? new DecisionStream(this.#client, this.#metadata) : undefined;
  }

  /** Connects now rather than on the first call; rejects if not connected within `timeoutMs`. */
  connect(timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => this.#channel.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())));
  }

  /** The DecideRequest for a call (request_id set; risk_tier when `risk` is given). */
  request(call: ToolCall, risk?: Risk): DecideRequest {
    const args = call.argumentsJson ?? (call.arguments === undefined ? EMPTY_JSON : JSON.stringify(call.arguments));
    const init: MessageInitShape<typeof DecideRequestSchema> = {
      requestId: call.requestId ?? randomUUID(),
      tenantId: this.tenantId,
      agentId: this.agentId,
      tool: call.tool,
      argumentsJson: typeof args === 'string' ? encoder.encode(args) : args,
      resource: call.resource ?? '',
      credentialFingerprint: call.credentialFingerprint ?? '',
      requestedAt: timestampFromMs(Date.now()),
      ...(this.#source ? { source: { ip: this.#source.ip ?? '', region: this.#source.region ?? '' } } : {}),
      ...(risk ? { riskTier: RISK_TIER[risk] } : {}),
      ...(call.approvalId ? { approvalId: call.approvalId } : {}),
    };
    return create(DecideRequestSchema, init);
  }

  /**
   * Asks the enforcer about one call. Resolves with its decision (allow, deny, shadow, a call held
   * for approval — `decision.approval` set —, or a NOT_READY denial); rejects with `ThothDeniedError`
   * when the enforcer refused the request itself (UNAUTHENTICATED: a bad token or an unknown tenant
   * or agent, not recorded; ARGUMENTS_TOO_LARGE and the like: recorded as a denial) or when a person
   * rejected the call it waited on (APPROVAL_REJECTED, APPROVAL_EXPIRED, APPROVAL_USED), with
   * `ThothTransportError` when no answer came (after the retries `isRetryable` allows), or with the
   * abort reason when `signal` aborted.
   *
   * Approvals (docs/approvals.md): a call with the binding of a request this client remembers
   * presents it; with `approval.waitMs`, a call held for approval waits for a person up to then and,
   * once approved, is sent again (a new request id: the first one's is its own decision) with the approval.
   */
  async decide(call: ToolCall | DecideRequest, options: DecideOptions = {}): Promise<Decision> {
    if (this.#closed) throw new Error('ThothClient is closed');
    let request = '$typeName' in call ? call : this.request(call, options.risk);
    const risk = options.risk ?? 'write';
    const deadlineMs = options.deadlineMs ?? this.#deadlineMs;
    const waitMs = options.approval?.waitMs ?? this.#approval.waitMs ?? 0;
    const waitUntil = Date.now() + waitMs;
    const binding = approvalBinding(request);
    if (request.approvalId === '') {
      const remembered = this.#pending.find(binding);
      if (remembered) request = presenting(request, remembered.approval.id, request.requestId);
    }
    const send: SendOptions = { deadlineMs, signal: options.signal, metadata: options.traceParent ? this.#traced(options.traceParent) : undefined };
    const decision = await this.#decideOn(request, binding, risk, send);
    const held = decision.approval;
    if (held === undefined || waitMs <= 0) return decision;
    const openedAt = this.#pending.find(binding)?.openedAt ?? Date.now();
    const status = await this.#waitForPerson(request.tool, held.id, openedAt, waitUntil, options.signal);
    if (status === undefined || status.state === 'pending' || status.state === 'unspecified') return decision;
    if (status.state === 'approved') return this.#decideOn(presenting(request, held.id, randomUUID()), binding, risk, send);
    this.#pending.forget(binding, held.id);
    throw approvalRefused(request, decision, held, status);
  }

  /**
   * Where an approval request of this agent stands (Enforcer.GetApproval, answered from the control
   * plane). Rejects with `ThothDeniedError` when the enforcer refused (APPROVAL_NOT_FOUND: no such
   * request of this agent) and with `ThothTransportError` when no answer came.
   */
  async approvalStatus(approvalId: string, options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<ApprovalStatusInfo> {
    if (this.#closed) throw new Error('ThothClient is closed');
    const deadlineMs = options.deadlineMs ?? APPROVAL_POLL_DEADLINE_MS;
    let status;
    try {
      status = await this.#client.getApproval(
        { tenantId: this.tenantId, agentId: this.agentId, approvalId },
        { metadata: this.#metadata, deadlineMs, ...(options.signal ? { signal: options.signal } : {}) },
      );
    } catch (caught) {
      if (options.signal?.aborted) throw options.signal.reason;
      const error = toGrpcError(caught);
      throw refused('', approvalId, error) ?? new ThothTransportError(error.code, error.details, 1, approvalId, { cause: error });
    }
    return {
      approvalId: status.approvalId || approvalId,
      state: (ApprovalStatus_State[status.state] ?? 'UNSPECIFIED').toLowerCase() as ApprovalStatusInfo['state'],
      expiresAt: status.expiresAt ? timestampDate(status.expiresAt) : undefined,
      decidedBy: status.decidedBy,
      comment: status.comment,
    };
  }

  /**
   * One call decided, and what it means for the remembered approvals: a request is remembered by
   * the call's binding; a presented one is forgotten once a call was decided on it (used, or
   * refused for good), and a call that presented it before anyone decided (or before the control
   * plane knew of it) is still waiting on it.
   */
  async #decideOn(request: DecideRequest, binding: string, risk: Risk, send: SendOptions): Promise<Decision> {
    const presented = request.approvalId;
    let decision: Decision;
    try {
      decision = await this.#decideWithRetries(request, risk, send);
    } catch (error) {
      if (presented !== '' && error instanceof ThothDeniedError && error.code.startsWith('APPROVAL_') && error.code !== 'APPROVAL_UNAVAILABLE') this.#pending.forget(binding, presented);
      throw error;
    }
    if (decision.approval) {
      this.#pending.remember(binding, decision.approval);
      return decision;
    }
    if (presented === '') return decision;
    const remembered = this.#pending.find(binding);
    const mine = remembered?.approval.id === presented ? remembered : undefined;
    if (decision.errorCode === 'APPROVAL_PENDING') return { ...decision, approval: mine?.approval ?? { id: presented, expiresAt: undefined } };
    if (decision.errorCode === 'APPROVAL_NOT_FOUND' && mine && notYetKnown(mine.openedAt)) return { ...decision, approval: mine.approval };
    if (decision.errorCode !== 'APPROVAL_UNAVAILABLE') this.#pending.forget(binding, presented);
    return decision;
  }

  async #decideWithRetries(request: DecideRequest, risk: Risk, send: SendOptions): Promise<Decision> {
    const { signal } = send;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let error: GrpcError;
      try {
        const response = await this.#send(request, send);
        // An answer, whatever its effect (REQUIRE_APPROVAL included), is final: only a failure to
        // get one is retried.
        return toDecision(response);
      } catch (caught) {
        if (signal?.aborted) throw signal.reason;
        error = toGrpcError(caught);
      }
      const refusal = refused(request.tool, request.requestId, error);
      if (refusal) throw refusal;
      if (!shouldRetry(error.code, risk, attempt, this.#retry)) {
        throw new ThothTransportError(error.code, error.details, attempt, request.requestId, { cause: error });
      }
      await pause(backoffMs(attempt, this.#retry), signal);
    }
  }

  /**
   * Polls GetApproval until a person decided (any state but pending) or `until`; undefined when the
   * deadline passed or the enforcer cannot tell (UNIMPLEMENTED and other final failures: the call
   * stays held, the model is told). Transport failures are polled through, and so is
   * APPROVAL_NOT_FOUND while the request is new (`NOT_YET_KNOWN_MS`); another refusal is thrown.
   */
  async #waitForPerson(tool: string, approvalId: string, openedAt: number, until: number, signal: AbortSignal | undefined): Promise<ApprovalStatusInfo | undefined> {
    for (let poll = 0; ; poll++) {
      const wait = Math.min(jitteredBackoffMs(poll, APPROVAL_POLL), until - Date.now());
      if (wait <= 0) return undefined;
      await pause(wait, signal);
      const deadlineMs = Math.min(APPROVAL_POLL_DEADLINE_MS, until - Date.now());
      if (deadlineMs <= 0) return undefined;
      try {
        const status = await this.approvalStatus(approvalId, { deadlineMs, ...(signal ? { signal } : {}) });
        if (status.state !== 'pending') return status;
      } catch (error) {
        if (error instanceof ThothDeniedError) {
          if (error.code === 'APPROVAL_NOT_FOUND' && notYetKnown(openedAt)) continue;
          throw new ThothDeniedError({ tool, decisionId: error.decisionId, requestId: error.requestId, matchedRules: error.matchedRules, errorCode: error.code, errorMessage: error.matchedRules[0]?.reason ?? '' });
        }
        if (!(error instanceof ThothTransportError)) throw error;
        if (error.code !== 'UNAVAILABLE' && error.code !== 'DEADLINE_EXCEEDED') return undefined;
      }
    }
  }

  #send(request: DecideRequest, { deadlineMs, signal, metadata }: SendOptions): Promise<DecideResponse> {
    if (this.#stream && metadata === undefined) return this.#stream.decide(request, deadlineMs, signal);
    return this.#client.decide(request, { metadata: metadata ?? this.#metadata, deadlineMs, ...(signal ? { signal } : {}) });
  }

  /** The call's metadata with its trace context (a traced call goes unary: DecideOptions.traceParent). */
  #traced(traceParent: string): Metadata {
    const metadata = this.#metadata.clone();
    metadata.set('traceparent', traceParent);
    return metadata;
  }

  /** Ends the stream (if any) and closes the channel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream?.close();
    this.#channel.close();
  }
}

/** How one Decide is sent: its deadline, its abort signal, and metadata of its own (a traced call), else the client's. */
interface SendOptions {
  readonly deadlineMs: number;
  readonly signal: AbortSignal | undefined;
  readonly metadata: Metadata | undefined;
}

const notYetKnown = (openedAt: number) => Date.now() - openedAt < NOT_YET_KNOWN_MS;

/** Sleeps `ms`; an abort rejects with the signal's reason (not timers' AbortError), as every abort of the client does. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

/** The same call presenting `approvalId`, as request `requestId`. */
function presenting(request: DecideRequest, approvalId: string, requestId: string): DecideRequest {
  const again = clone(DecideRequestSchema, request);
  again.approvalId = approvalId;
  if (requestId !== request.requestId) {
    again.requestId = requestId;
    again.requestedAt = timestampFromMs(Date.now());
  }
  return again;
}

/** A person decided against the call it waited on (or the request lapsed): a denial with the approval's code. */
function approvalRefused(request: DecideRequest, decision: Decision, held: PendingApproval, status: ApprovalStatusInfo): ThothDeniedError {
  const code = status.state === 'rejected' ? 'APPROVAL_REJECTED' : status.state === 'expired' ? 'APPROVAL_EXPIRED' : 'APPROVAL_USED';
  const reason =
    status.state === 'rejected'
      ? `approval request ${held.id} was rejected${status.decidedBy ? ` by ${status.decidedBy}` : ''}${status.comment ? `: ${status.comment}` : ''}`
      : status.state === 'expired'
        ? `approval request ${held.id} expired before anyone approved it`
        : `approval request ${held.id} was already used by another call`;
  return new ThothDeniedError({
    tool: request.tool,
    decisionId: decision.decisionId,
    requestId: request.requestId,
    matchedRules: [{ ruleId: `approval:${held.id}`, reason, kind: 'approval', severity: 'high' }],
    errorCode: code,
    errorMessage: reason,
    decision,
  });
}

/** A refused unary call: the enforcer said why in the trailers (and named the decision if it recorded one). */
function refused(tool: string, requestId: string, error: GrpcError): ThothDeniedError | undefined {
  const code = error.metadata.get(ERROR_CODE_HEADER)[0];
  if (typeof code !== 'string') return undefined;
  const decisionId = error.metadata.get(DECISION_ID_HEADER)[0];
  const message = error.details.startsWith(`${code}: `) ? error.details.slice(code.length + 2) : error.details;
  return new ThothDeniedError({
    tool,
    decisionId: typeof decisionId === 'string' ? decisionId : '',
    requestId,
    matchedRules: [{ ruleId: `request.${code.toLowerCase()}`, reason: message, kind: 'default', severity: 'high' }],
    errorCode: code,
    errorMessage: message,
  });
}
