/**
 * @thoth/snapshot — what the control plane and the enforcers must agree on byte for byte,
 * so it lives in one place (apps never import each other):
 *
 * - config snapshots: canonical form, content hash, Ed25519 signature, and the checks an
 *   enforcer runs before it activates one (`openSnapshot`: verify → decode → hashes);
 * - compiling a snapshot into a policy bound to its tenant (`compileSnapshot`): the
 *   control plane runs it before publishing, the enforcer before activating;
 * - the decision receipt's canonical signing payload (`receiptSigningPayload`), which the
 *   ledger and the offline verifier check.
 */
export * from './keys.js';
export * from './snapshot.js';
export * from './compile-snapshot.js';
export * from './receipt.js';
