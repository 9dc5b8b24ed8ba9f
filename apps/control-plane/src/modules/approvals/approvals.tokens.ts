import type { Signer } from '@thoth/snapshot';

/** The control plane's own keys for approvals, derived from its snapshot key's seed (the same on every replica). */
export interface ApprovalKeys {
  /** Signs a person's approval or rejection as a decision (a version 3 receipt). */
  readonly receiptSigner: Signer;
  /** MACs the links approval alerts carry. */
  readonly linkKey: Uint8Array;
}

export const APPROVAL_KEYS = Symbol('ApprovalKeys');
export const APPROVALS_CONFIG = Symbol('ApprovalsConfig');
