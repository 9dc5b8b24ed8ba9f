import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Client, Metadata, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { DecideRequestSchema, Enforcer, RiskTier, type DecideRequest, type DecideResponse } from '@thoth/contracts';
import { channelCredentials, createClient, ERROR_CODE_HEADER, toGrpcError, type ChannelTls, type GrpcError, type ServiceClient } from '@thoth/grpc';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ThothDeniedError } from '../errors.js';
import type { Risk } from '../guard/fail-mode.js';
import { toDecision, type Decision } from './decision.js';
import { DecisionStream } from './decision-stream.js';
import { backoffMs, shouldRetry, type RetryOptions } from './retry.js';

/** DecideRequest.risk_tier for each SDK risk. */
const RISK_TIER: Record<Risk, RiskTier> = { read: RiskTier.READ, write: RiskTier.WRITE, destructive: RiskTier.DESTRUCTIVE };

/** Trailing metadata of a refused Decide (apps/enforcer): its code, and the decision when one was recorded. */
const DECISION_ID_HEADER = 'thoth-decision-id';

export const DEFAULT_DEADLINE_MS = 250;

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
}

export interface DecideOptions {
  /**
   * Sent with the call (DecideRequest.risk_tier: the tenant's policy may only raise it) and
   * decides which failures are retried (see `isRetryable`; unset: retried as `write`).
   */
  readonly risk?: Risk;
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
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
  #closed = false;

  constructor(options: ThothClientOptions) {
    this.tenantId = options.tenantId;
    this.agentId = options.agentId;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.#retry = options.retry ?? {};
    this.#source = options.source;
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
    };
    return create(DecideRequestSchema, init);
  }

  /**
   * Asks the enforcer about one call. Resolves with its decision (allow, deny, shadow, or
   * a NOT_READY denial); rejects with `ThothDeniedError` when the enforcer refused the
   * request itself (UNAUTHENTICATED: a bad token or an unknown tenant or agent, not recorded;
   * ARGUMENTS_TOO_LARGE and the like: recorded as a denial), with
   * `ThothTransportError` when no answer came (after the retries `isRetryable` allows),
   * or with the abort reason when `signal` aborted.
   */
  async decide(call: ToolCall | DecideRequest, options: DecideOptions = {}): Promise<Decision> {
    if (this.#closed) throw new Error('ThothClient is closed');
    const request = '$typeName' in call ? call : this.request(call, options.risk);
    const risk = options.risk ?? 'write';
    const deadlineMs = options.deadlineMs ?? this.#deadlineMs;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      let error: GrpcError;
      try {
        const response = await this.#send(request, deadlineMs, options.signal);
        return toDecision(response);
      } catch (caught) {
        if (options.signal?.aborted) throw options.signal.reason;
        error = toGrpcError(caught);
      }
      const refusal = refused(request, error);
      if (refusal) throw refusal;
      if (!shouldRetry(error.code, risk, attempt, this.#retry)) {
        throw new ThothTransportError(error.code, error.details, attempt, request.requestId, { cause: error });
      }
      await sleep(backoffMs(attempt, this.#retry), undefined, options.signal ? { signal: options.signal } : {});
    }
  }

  #send(request: DecideRequest, deadlineMs: number, signal: AbortSignal | undefined): Promise<DecideResponse> {
    if (this.#stream) return this.#stream.decide(request, deadlineMs, signal);
    return this.#client.decide(request, { metadata: this.#metadata, deadlineMs, ...(signal ? { signal } : {}) });
  }

  /** Ends the stream (if any) and closes the channel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream?.close();
    this.#channel.close();
  }
}

/** A refused unary Decide: the enforcer said why in the trailers (and named the decision if it recorded one). */
function refused(request: DecideRequest, error: GrpcError): ThothDeniedError | undefined {
  const code = error.metadata.get(ERROR_CODE_HEADER)[0];
  if (typeof code !== 'string') return undefined;
  const decisionId = error.metadata.get(DECISION_ID_HEADER)[0];
  const message = error.details.startsWith(`${code}: `) ? error.details.slice(code.length + 2) : error.details;
  return new ThothDeniedError({
    tool: request.tool,
    decisionId: typeof decisionId === 'string' ? decisionId : '',
    requestId: request.requestId,
    matchedRules: [{ ruleId: `request.${code.toLowerCase()}`, reason: message, kind: 'default', severity: 'high' }],
    errorCode: code,
    errorMessage: message,
  });
}
