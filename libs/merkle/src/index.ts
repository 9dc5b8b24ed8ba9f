/**
 * @thoth/merkle — the ledger's cryptography: RFC 9162 Merkle trees, inclusion and consistency
 * proofs, C2SP tlog-checkpoints and signed notes with Ed25519.
 *
 * Why ours: no well-kept TypeScript library implements RFC 9162 proofs together with C2SP
 * checkpoints, and what an auditor must trust should be small enough to read in one sitting: about
 * 800 lines on node:crypto, checked against the transparency-dev RFC 6962 vectors and byte for
 * byte against golang.org/x/mod/sumdb/note.
 * Pure: no I/O, nothing of ours imported, so the offline verifier and the SDK can embed it.
 */
export { EMPTY_ROOT, HASH_SIZE, equalBytes, leafHash, nodeHash } from './hash.js';
export {
  assembleProof,
  consistencyProofNodes,
  foldSubtrees,
  inclusionProofNodes,
  rangeNodes,
  rootFromInclusionProof,
  rootNodes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type ProofErrorCode,
  type ProofPlan,
} from './proof.js';
export { CompactRange, merkleTreeHash, type NodeWrite } from './compact-range.js';
export { ProvenTree } from './proven-tree.js';
export {
  MemoryTreeStore,
  consistencyProof,
  inclusionProof,
  leafHashAt,
  rootAt,
  type TreeStore,
} from './tree-store.js';
export {
  generateSignerKey,
  isValidKeyName,
  keyId,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifierFromSigner,
  type KeyErrorCode,
  type NoteErrorCode,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './note.js';
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type CheckpointErrorCode,
  type OpenedCheckpoint,
} from './checkpoint.js';
export { decodeBase64, encodeBase64 } from './base64.js';
export { MerkleError, type Failure, type Result } from './result.js';
