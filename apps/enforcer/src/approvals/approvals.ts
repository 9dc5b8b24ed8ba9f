import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { Metadata } from '@grpc/grpc-js';
import {
  ConsumeApprovalResponse_Result as Result,
  type ApprovalStatus,
  type ApprovalStatusRequestSchema,
  type ConsumeApprovalRequestSchema,
  type ConsumeApprovalResponse,
} from '@thoth/contracts';
import { ERROR_CODE_HEADER, GrpcError } from '@thoth/grpc';
import type { Counter } from 'prom-client';
import type { Logger } from '../logger.js';

export type ConsumeApprovalInit = MessageInitShape<typeof ConsumeApprovalRequestSchema>;
export type ApprovalStatusInit = MessageInitShape<typeof ApprovalStatusRequestSchema>;

/**
 * The control plane's approval calls (ConfigDistribution.ConsumeApproval and GetApprovalStatus) on
 * the enforcer's authenticated channel, the one LeaseBudget uses (ConfigStreamClient).
 */
export interface ApprovalCalls {
  consume(request: ConsumeApprovalInit, deadlineMs: number): Promise<ConsumeApprovalResponse>;
  status(request: ApprovalStatusInit, deadlineMs: number): Promise<ApprovalStatus>;
}

/** How long a call presenting an approval waits for the control plane by default (THOTH_APPROVAL_TIMEOUT_MS). */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 2_000;

/** Why a call presenting an approval was denied (DecideResponse.error_code; docs/approvals.md). */
export type ApprovalRefusal = 'APPROVAL_PENDING' | 'APPROVAL_REJECTED' | 'APPROVAL_EXPIRED' | 'APPROVAL_USED' | 'APPROVAL_MISMATCH' | 'APPROVAL_NOT_FOUND' | 'APPROVAL_UNAVAILABLE';

/** The exact call presenting an approval, as the enforcer received it: what the control plane compares. */
export interface ApprovalBinding {
  readonly tenantId: string;
  readonly agentId: string;
  readonly approvalId: string;
  readonly tool: string;
  /** SHA-256 (hex) of arguments_json as sent, as in DecisionEvent.arguments_digest. */
  readonly argumentsDigest: string;
  readonly resource: string;
  readonly credentialFingerprint: string;
}

export type Consumption =
  | { readonly used: true; readonly decidedBy: string; readonly expiresAtMs: number | undefined }
  | { readonly used: false; readonly code: ApprovalRefusal; readonly reason: string; readonly decidedBy: string; readonly expiresAtMs: number | undefined };

const REFUSALS: Record<Exclude<Result, Result.USED | Result.UNSPECIFIED>, { code: ApprovalRefusal; label: string; reason: string }> = {
  [Result.PENDING]: { code: 'APPROVAL_PENDING', label: 'pending', reason: 'nobody has decided on the approval request yet' },
  [Result.REJECTED]: { code: 'APPROVAL_REJECTED', label: 'rejected', reason: 'a person rejected the approval request' },
  [Result.EXPIRED]: { code: 'APPROVAL_EXPIRED', label: 'expired', reason: 'the approval request expired' },
  [Result.ALREADY_USED]: { code: 'APPROVAL_USED', label: 'already_used', reason: 'the approval was already used by another call' },
  [Result.MISMATCH]: { code: 'APPROVAL_MISMATCH', label: 'mismatch', reason: 'the approval was given for another call (tool, arguments, resource or credential differ)' },
  [Result.NOT_FOUND]: { code: 'APPROVAL_NOT_FOUND', label: 'not_found', reason: 'no such approval request for this tenant and agent' },
};

export interface ApprovalsOptions {
  readonly enforcerId: string;
  /** Absent: no control plane to ask (an enforcer without a config stream): every approval is APPROVAL_UNAVAILABLE. */
  readonly calls: ApprovalCalls | undefined;
  readonly timeoutMs?: number;
  /** thoth_enforcer_approvals_consumed_total (EnforcerMetrics.approvalsConsumed). */
  readonly consumed?: Counter<'result'>;
  readonly logger?: Logger;
}

/**
 * Approvals as the enforcer uses them (docs/approvals.md): a call presenting an approval the policy
 * asks for is let through only if the control plane uses the approval for it, once across the
 * fleet. Fails closed: no answer within the timeout, an error, or an answer this enforcer does not
 * know is a refusal (APPROVAL_UNAVAILABLE). An answer that arrives after the deadline may still have
 * used the approval at the control plane: the call was denied, and a retry is refused APPROVAL_USED.
 */
export class Approvals {
  readonly #o: ApprovalsOptions;
  readonly timeoutMs: number;

  constructor(options: ApprovalsOptions) {
    this.#o = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  }

  /** Uses the approval for the call `decisionId` answers; never throws. */
  async consume(binding: ApprovalBinding, decisionId: string): Promise<Consumption> {
    const calls = this.#o.calls;
    if (calls === undefined) return this.#unavailable('this enforcer has no control plane to ask');
    let response: ConsumeApprovalResponse;
    try {
      response = await calls.consume({ enforcerId: this.#o.enforcerId, ...binding, decisionId }, this.timeoutMs);
    } catch (error) {
      this.#o.logger?.warn({ err: error, approvalId: binding.approvalId }, 'ConsumeApproval failed: the call is denied APPROVAL_UNAVAILABLE');
      const why = error instanceof GrpcError && error.code === 'DEADLINE_EXCEEDED' ? `no answer within ${this.timeoutMs} ms` : `the call failed (${error instanceof GrpcError ? error.code : 'error'})`;
      return this.#unavailable(`the control plane could not be asked to use the approval: ${why}`);
    }
    const expiresAtMs = response.expiresAt ? timestampMs(response.expiresAt) : undefined;
    if (response.result === Result.USED) {
      this.#o.consumed?.inc({ result: 'used' });
      return { used: true, decidedBy: response.decidedBy, expiresAtMs };
    }
    const refusal = response.result === Result.UNSPECIFIED ? undefined : REFUSALS[response.result];
    if (refusal === undefined) return this.#unavailable(`the control plane answered an unknown result (${response.result})`);
    this.#o.consumed?.inc({ result: refusal.label });
    return { used: false, code: refusal.code, reason: refusal.reason, decidedBy: response.decidedBy, expiresAtMs };
  }

  /**
   * Where an approval request of the (authenticated) agent stands, from the control plane. Throws
   * a GrpcError with ERROR_CODE_HEADER: NOT_FOUND / APPROVAL_NOT_FOUND (none for this agent), or
   * UNAVAILABLE / APPROVAL_UNAVAILABLE (the control plane could not answer).
   */
  async status(tenantId: string, agentId: string, approvalId: string): Promise<ApprovalStatus> {
    const calls = this.#o.calls;
    if (calls === undefined) throw refusal('UNAVAILABLE', 'APPROVAL_UNAVAILABLE', 'this enforcer has no control plane to ask');
    try {
      return await calls.status({ enforcerId: this.#o.enforcerId, tenantId, agentId, approvalId }, this.timeoutMs);
    } catch (error) {
      if (error instanceof GrpcError && error.code === 'NOT_FOUND') throw refusal('NOT_FOUND', 'APPROVAL_NOT_FOUND', 'no such approval request for this tenant and agent');
      this.#o.logger?.warn({ err: error, approvalId }, 'GetApprovalStatus failed');
      throw refusal('UNAVAILABLE', 'APPROVAL_UNAVAILABLE', 'the control plane could not be asked where the approval stands');
    }
  }

  #unavailable(reason: string): Consumption {
    this.#o.consumed?.inc({ result: 'unavailable' });
    return { used: false, code: 'APPROVAL_UNAVAILABLE', reason, decidedBy: '', expiresAtMs: undefined };
  }
}

function refusal(status: 'NOT_FOUND' | 'UNAVAILABLE', code: ApprovalRefusal, message: string): GrpcError {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_HEADER, code);
  return new GrpcError(status, `${code}: ${message}`, { metadata });
}
