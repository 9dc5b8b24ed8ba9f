import { ThothApprovalRequiredError, ThothDeniedError, ThothUnavailableError } from '../errors.js';
import { credentialFingerprint } from '../client/credential.js';
import type { Decision } from '../client/decision.js';
import { ThothClient, ThothTransportError, type ApprovalOptions, type ThothClientOptions, type ToolCall } from '../client/thoth-client.js';
import { failModeFor, type FailMode, type Risk } from './fail-mode.js';
import { traced, type GateTrace } from './tracing.js';

/** What happened at the gate of one tool call; given to `onDecision`. */
export type GuardEvent =
  | { readonly outcome: 'allow'; readonly tool: string; readonly risk: Risk; readonly decision: Decision }
  /** Shadow mode: policy would have denied, the call ran. `wouldDeny` is the error enforce mode would throw. */
  | { readonly outcome: 'shadow_deny'; readonly tool: string; readonly risk: Risk; readonly decision: Decision; readonly wouldDeny: ThothDeniedError }
  | { readonly outcome: 'deny'; readonly tool: string; readonly risk: Risk; readonly decision: Decision | undefined; readonly error: ThothDeniedError }
  /** Held for a person's approval (and not approved within the wait, if any): the call did not run. */
  | { readonly outcome: 'approval_required'; readonly tool: string; readonly risk: Risk; readonly decision: Decision; readonly error: ThothApprovalRequiredError }
  /** No answer (or NOT_READY) and the fail mode is open: the call ran unchecked. */
  | { readonly outcome: 'fail_open'; readonly tool: string; readonly risk: Risk; readonly code: string; readonly detail: string }
  | { readonly outcome: 'fail_closed'; readonly tool: string; readonly risk: Risk; readonly error: ThothUnavailableError };

export interface ThothSettings {
  /** The tenant's fail mode, which `write` tools follow (and `read` tools, unless `failOpenReads`). Default `closed`. */
  readonly failMode?: FailMode;
  /** Run `read` tools unchecked when Thoth cannot be asked. Default false. */
  readonly failOpenReads?: boolean;
  /** Called once per tool call, before the tool runs or the error is thrown. Must not throw (errors are ignored). */
  readonly onDecision?: (event: GuardEvent) => void;
}

export type ThothOptions = ThothSettings & ({ readonly client: ThothClient } | ThothClientOptions);

/** A credential the tool uses: the token itself (fingerprinted here, never sent), or a function giving it per call. */
export type CredentialSource = string | (() => string | undefined);

/** How the gate treats one tool. */
export interface ToolPolicy<P extends unknown[] = unknown[]> {
  /** The tool name policies match, e.g. `crm.delete_records`. */
  readonly name: string;
  readonly risk: Risk;
  /** What the call touches, from its arguments, e.g. `crm://executives`. */
  readonly resource?: (...args: P) => string | undefined;
  readonly credential?: CredentialSource;
  /** Overrides the client's `approval` for this tool, e.g. `{ waitMs: 120_000 }` to wait for a person. */
  readonly approval?: ApprovalOptions;
}

/** One call at the gate: the policy of its tool and its arguments. */
export interface GateCall {
  readonly name: string;
  readonly risk: Risk;
  readonly arguments: unknown;
  readonly resource?: string | undefined;
  readonly credential?: CredentialSource | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly approval?: ApprovalOptions | undefined;
}

/**
 * The SDK's entry point: an enforcer client plus what to do with its answers. `guard`
 * wraps a tool function; `check` is the gate itself, which the framework adapters use.
 */
export class Thoth {
  readonly client: ThothClient;
  readonly #settings: ThothSettings;
  readonly #ownsClient: boolean;

  constructor(options: ThothOptions) {
    this.#ownsClient = !('client' in options);
    this.client = 'client' in options ? options.client : new ThothClient(options);
    this.#settings = options;
  }

  /**
   * Asks Thoth about a call. Resolves when the tool may run (allowed, shadow, or no answer
   * with an open fail mode); throws `ThothDeniedError` when it must not,
   * `ThothApprovalRequiredError` when a person must approve it first (and did not within
   * `approval.waitMs`), and `ThothUnavailableError` when Thoth could not be asked and the fail
   * mode is closed. Inside the gate's span when the process traces (docs/telemetry.md).
   */
  check(call: GateCall): Promise<GuardEvent> {
    return traced(call.name, call.risk, (trace) => this.#check(call, trace));
  }

  async #check(call: GateCall, trace: GateTrace | undefined): Promise<GuardEvent> {
    const event = await this.#gate(call, trace);
    trace?.note(event.outcome, 'decision' in event ? event.decision?.decisionId : undefined);
    return event;
  }

  async #gate(call: GateCall, trace: GateTrace | undefined): Promise<GuardEvent> {
    const toolCall: ToolCall = {
      tool: call.name,
      arguments: call.arguments,
      ...(call.resource ? { resource: call.resource } : {}),
      ...fingerprintOf(call.credential),
    };
    let decision: Decision;
    try {
      decision = await this.client.decide(toolCall, {
        risk: call.risk,
        ...(call.signal ? { signal: call.signal } : {}),
        ...(call.approval ? { approval: call.approval } : {}),
        ...(trace ? { traceParent: trace.traceParent } : {}),
      });
    } catch (error) {
      if (error instanceof ThothDeniedError) return this.#emitThrow({ outcome: 'deny', tool: call.name, risk: call.risk, decision: undefined, error });
      if (error instanceof ThothTransportError) return this.#unavailable(call, error.code, error.detail, error.attempts, error.requestId, error);
      throw error; // aborted by the caller
    }
    if (decision.errorCode === 'NOT_READY') {
      // The enforcer holds no config, so it could not apply the tenant's fail mode; we can.
      return this.#unavailable(call, 'NOT_READY', decision.errorMessage, 1, decision.requestId, undefined);
    }
    if (decision.approval) {
      const error = ThothApprovalRequiredError.fromDecision(call.name, { ...decision, approval: decision.approval });
      return this.#emitThrow({ outcome: 'approval_required', tool: call.name, risk: call.risk, decision, error });
    }
    if (!decision.allow) {
      return this.#emitThrow({ outcome: 'deny', tool: call.name, risk: call.risk, decision, error: ThothDeniedError.fromDecision(call.name, decision) });
    }
    if (decision.shadow) {
      return this.#emit({ outcome: 'shadow_deny', tool: call.name, risk: call.risk, decision, wouldDeny: ThothDeniedError.fromDecision(call.name, decision) });
    }
    return this.#emit({ outcome: 'allow', tool: call.name, risk: call.risk, decision });
  }

  /**
   * Wraps a tool function: each call is decided first and the function runs only if
   * allowed. The arguments sent are the first argument (or all of them, as an array, when
   * the function takes several). The gate's span, when the process traces, covers the tool's run.
   */
  guard<P extends unknown[], R>(tool: (...args: P) => R | Promise<R>, policy: ToolPolicy<P>): (...args: P) => Promise<R> {
    const guarded = (...args: P): Promise<R> =>
      traced(policy.name, policy.risk, async (trace) => {
        const call = { name: policy.name, risk: policy.risk, arguments: args.length === 1 ? args[0] : args, resource: policy.resource?.(...args), credential: policy.credential, approval: policy.approval };
        await this.#check(call, trace);
        return tool(...args);
      });
    Object.defineProperty(guarded, 'name', { value: `guarded ${tool.name || policy.name}` });
    return guarded;
  }

  /** Closes the client if this Thoth created it. */
  close(): void {
    if (this.#ownsClient) this.client.close();
  }

  #unavailable(call: GateCall, code: string, detail: string, attempts: number, requestId: string, cause: unknown): GuardEvent {
    const mode = failModeFor(call.risk, { tenant: this.#settings.failMode ?? 'closed', failOpenReads: this.#settings.failOpenReads ?? false });
    if (mode === 'open') return this.#emit({ outcome: 'fail_open', tool: call.name, risk: call.risk, code, detail });
    const error = new ThothUnavailableError({ tool: call.name, risk: call.risk, requestId, code, detail, attempts, cause });
    return this.#emitThrow({ outcome: 'fail_closed', tool: call.name, risk: call.risk, error });
  }

  #emit(event: GuardEvent): GuardEvent {
    try {
      this.#settings.onDecision?.(event);
    } catch {
      // A logging hook must not change whether a tool runs.
    }
    return event;
  }

  #emitThrow(event: Extract<GuardEvent, { error: Error }>): never {
    this.#emit(event);
    throw event.error;
  }
}

/** `thoth.guard(tool, policy)` as a function. */
export function guard<P extends unknown[], R>(tool: (...args: P) => R | Promise<R>, policy: ToolPolicy<P> & { readonly thoth: Thoth }): (...args: P) => Promise<R> {
  return policy.thoth.guard(tool, policy);
}

const fingerprints = new Map<string, string>();

function fingerprintOf(source: CredentialSource | undefined): { credentialFingerprint?: string } {
  const token = typeof source === 'function' ? source() : source;
  if (token === undefined || token === '') return {};
  let fingerprint = fingerprints.get(token);
  if (fingerprint === undefined) {
    fingerprint = credentialFingerprint(token);
    // Bounded: a process uses a handful of credentials; a rotating token must not grow this.
    if (fingerprints.size >= 64) fingerprints.clear();
    fingerprints.set(token, fingerprint);
  }
  return { credentialFingerprint: fingerprint };
}
