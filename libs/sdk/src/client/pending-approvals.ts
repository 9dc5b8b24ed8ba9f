import type { DecideRequest } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import type { PendingApproval } from './decision.js';

/** How long a request without an expiry is remembered: the default expiry of a request (docs/approvals.md). */
const DEFAULT_REMEMBER_MS = 60 * 60 * 1_000;
export const DEFAULT_PENDING_APPROVALS = 1_000;

/**
 * A call's binding as the enforcer compares it when an approval is presented: tool, the SHA-256 of
 * the exact argument bytes sent, resource and credential fingerprint (tenant and agent are the
 * client's own). Two calls with the same binding are the same call to an approver.
 */
export function approvalBinding(request: Pick<DecideRequest, 'tool' | 'argumentsJson' | 'resource' | 'credentialFingerprint'>): string {
  const digest = createHash('sha256').update(request.argumentsJson).digest('hex');
  return JSON.stringify([request.tool, digest, request.resource, request.credentialFingerprint]);
}

export interface RememberedApproval {
  readonly approval: PendingApproval;
  /** When this client learnt of the request (its clock). */
  readonly openedAt: number;
}

/**
 * The approval requests this client's calls opened, by binding, so that a model retrying the same
 * call presents the approval without the agent's code naming it, and a call with other arguments
 * does not. Bounded (the oldest goes first); an entry is dropped at its request's expiry, and when
 * a call presenting it was decided on it (used, refused).
 */
export class PendingApprovals {
  readonly #byBinding = new Map<string, RememberedApproval & { forgetAt: number }>();

  constructor(
    readonly capacity = DEFAULT_PENDING_APPROVALS,
    readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#byBinding.size;
  }

  remember(binding: string, approval: PendingApproval): void {
    this.#byBinding.delete(binding);
    if (this.#byBinding.size >= this.capacity) this.#byBinding.delete(this.#byBinding.keys().next().value as string);
    const now = this.now();
    this.#byBinding.set(binding, { approval, openedAt: now, forgetAt: approval.expiresAt?.getTime() ?? now + DEFAULT_REMEMBER_MS });
  }

  find(binding: string): RememberedApproval | undefined {
    const entry = this.#byBinding.get(binding);
    if (entry === undefined) return undefined;
    if (entry.forgetAt <= this.now()) {
      this.#byBinding.delete(binding);
      return undefined;
    }
    return entry;
  }

  /** Forgets the binding's request if it is still `approvalId` (a newer request for it stays). */
  forget(binding: string, approvalId: string): void {
    if (this.#byBinding.get(binding)?.approval.id === approvalId) this.#byBinding.delete(binding);
  }
}
