/**
 * @thoth/snapshot — what the control plane and the enforcers must agree on byte for byte,
 * so it lives in one place (apps never import each other):
 *
 * - config snapshots: canonical form, content hash, Ed25519 signature, and the checks an
 *   enforcer runs before it activates one (`openSnapshot`: verify → decode → hashes);
 * - compiling a snapshot into a policy bound to its tenant (`compileSnapshot`): the
 *   control plane runs it before publishing, the enforcer before activating;
 * - decision receipts (receipt.ts): v1, signed alone over `receiptSigningPayload`; v2,
 *   batch-signed (one Ed25519 signature over the Merkle root of a batch, each receipt with
 *   its inclusion path); v3, batch-signed over its fields and its whole event's digest
 *   (event-digest.ts). `verifyReceipt` checks all three offline, `verifyDecisionEvent` an
 *   event against its receipt, `judgePublishedDecision` a decision as published, on its bytes;
 * - the announcement of an enforcer's receipt key on its config stream, with the proof that
 *   it holds the key for its registration (receipt-key.ts).
 */
export * from './keys.js';
export * from './snapshot.js';
export * from './compile-snapshot.js';
export * from './receipt.js';
export * from './event-digest.js';
export * from './receipt-key.js';
export * from './decision-trust.js';
export * from './receipt-key-directory.js';
export * from './published-decision.js';
