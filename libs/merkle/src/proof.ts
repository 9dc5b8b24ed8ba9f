import { EMPTY_ROOT, HASH_SIZE, equalBytes, nodeHash } from './hash.js';
import { MerkleError, fail, ok, type Result } from './result.js';

/**
 * A complete subtree: the node at (level, index) covers leaves [index·2^level, (index+1)·2^level).
 * Only complete subtrees are ever stored, so a node's hash never changes once written.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * What a proof needs from storage, in one list so that a database reads it in one query.
 * Proof hash i is the Merkle root of `nodes` in the i-th run of `groups[i]` ids: one id for a
 * stored subtree, several for a subtree on the tree's incomplete right edge.
 */
export interface ProofPlan {
  readonly nodes: readonly NodeId[];
  readonly groups: readonly number[];
}

export type ProofErrorCode = 'proof.bad_size' | 'proof.bad_hash' | 'proof.bad_length' | 'proof.root_mismatch';

// Sizes are plain numbers up to 2^53 − 1; bitwise operators would truncate them to 32 bits.
const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;
const isSize = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** The largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Complete subtrees that make up leaves [lo, hi), left to right; lo is aligned as RFC splits leave it. */
export function rangeNodes(lo: number, hi: number): NodeId[] {
  const out: NodeId[] = [];
  while (lo < hi) {
    let width = 1;
    let level = 0;
    while (width * 2 <= hi - lo && lo % (width * 2) === 0) {
      width *= 2;
      level++;
    }
    out.push({ level, index: lo / width });
    lo += width;
  }
  return out;
}

/** Subtrees whose hashes give MTH of the first `size` leaves: O(log n) reads for any past size. */
export function rootNodes(size: number): NodeId[] {
  checkSize(size, 'size');
  return rangeNodes(0, size);
}

/** Nodes for PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), bottom-up as the proof lists them. */
export function inclusionProofNodes(index: number, size: number): ProofPlan {
  checkSize(size, 'size');
  checkSize(index, 'index');
  if (index >= size) throw new MerkleError('tree.out_of_range', `leaf ${index} is not in a tree of size ${size}`);
  const groups: NodeId[][] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      groups.push(rangeNodes(lo + k, hi));
      hi = lo + k;
    } else {
      groups.push(rangeNodes(lo, lo + k));
      lo += k;
    }
  }
  return toPlan(groups.reverse());
}

/** Nodes for PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1), for 0 < size1 ≤ size2. */
export function consistencyProofNodes(size1: number, size2: number): ProofPlan {
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  if (size1 === 0 || size1 > size2) {
    throw new MerkleError('tree.out_of_range', `no consistency proof from size ${size1} to size ${size2}`);
  }
  const groups: NodeId[][] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let whole = true; // SUBPROOF's b: true while the old tree is a prefix of the current subtree at offset 0
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      groups.push(rangeNodes(lo + k, hi));
      hi = lo + k;
    } else {
      groups.push(rangeNodes(lo, lo + k));
      lo += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) groups.push(rangeNodes(lo, hi));
  return toPlan(groups.reverse());
}

function toPlan(groups: readonly NodeId[][]): ProofPlan {
  return { nodes: groups.flat(), groups: groups.map((g) => g.length) };
}

function checkSize(n: number, what: string): void {
  if (!isSize(n)) throw new MerkleError('tree.out_of_range', `${what} must be a safe non-negative integer, got ${n}`);
}

/** Merkle root of consecutive complete subtrees, as RFC 9162 combines an incomplete right edge. */
export function foldSubtrees(hashes: readonly Uint8Array[]): Uint8Array {
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) return EMPTY_ROOT;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** Turns the hashes fetched for `plan.nodes` (same order) into the proof. */
export function assembleProof(plan: ProofPlan, hashes: readonly Uint8Array[]): Uint8Array[] {
  if (hashes.length !== plan.nodes.length) {
    throw new MerkleError('store.missing_node', `plan needs ${plan.nodes.length} hashes, got ${hashes.length}`);
  }
  const proof: Uint8Array[] = [];
  let at = 0;
  for (const count of plan.groups) {
    proof.push(foldSubtrees(hashes.slice(at, at + count)));
    at += count;
  }
  return proof;
}

/** RFC 9162 §2.1.3.2: the root that `proof` leads to from `leaf` at `index`, or why it leads nowhere. */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Result<Uint8Array, ProofErrorCode> {
  if (!isSize(index) || !isSize(size)) return fail('proof.bad_size', `index ${index} or size ${size} is not a valid tree position`);
  if (index >= size) return fail('proof.bad_size', `leaf index ${index} is outside a tree of size ${size}`);
  if (leaf.length !== HASH_SIZE) return fail('proof.bad_hash', `leaf hash has ${leaf.length} bytes, want ${HASH_SIZE}`);
  if (proof.some((p) => p.length !== HASH_SIZE)) return fail('proof.bad_hash', `a proof hash is not ${HASH_SIZE} bytes`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return fail('proof.bad_length', `proof has more than the ${proof.length - 1} hashes a tree of size ${size} needs`);
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('proof.bad_length', `proof has ${proof.length} hashes, too few for leaf ${index} of ${size}`);
  return ok(r);
}

export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Result<void, ProofErrorCode> {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  if (!computed.ok) return computed;
  if (root.length !== HASH_SIZE) return fail('proof.bad_hash', `root has ${root.length} bytes, want ${HASH_SIZE}`);
  if (!equalBytes(computed.value, root)) return fail('proof.root_mismatch', `inclusion proof for leaf ${index} does not lead to the root of size ${size}`);
  return ok(undefined);
}

/**
 * RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots. A consistency proof from the
 * empty tree proves nothing, so size1 = 0 is refused (as the RFC 6962 vectors require).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): Result<void, ProofErrorCode> {
  if (!isSize(size1) || !isSize(size2)) return fail('proof.bad_size', `size1 ${size1} or size2 ${size2} is not a valid tree size`);
  if (size1 > size2) return fail('proof.bad_size', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0) return fail('proof.bad_size', 'a consistency proof from the empty tree proves nothing');
  if (size1 === size2) {
    if (proof.length !== 0) return fail('proof.bad_length', `sizes are equal (${size1}) but the proof is not empty`);
    if (!equalBytes(root1, root2)) return fail('proof.root_mismatch', `sizes are equal (${size1}) but the roots differ`);
    return ok(undefined);
  }
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) return fail('proof.bad_hash', `roots must be ${HASH_SIZE} bytes`);
  if (proof.some((p) => p.length !== HASH_SIZE)) return fail('proof.bad_hash', `a proof hash is not ${HASH_SIZE} bytes`);
  if (proof.length === 0) return fail('proof.bad_length', 'consistency proof is empty');

  // A power-of-two old tree is a complete subtree of the new one: its root starts the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return fail('proof.bad_length', `consistency proof from ${size1} to ${size2} has too many hashes`);
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return fail('proof.bad_length', `consistency proof from ${size1} to ${size2} has too few hashes`);
  if (!equalBytes(fr, root1)) return fail('proof.root_mismatch', `consistency proof does not lead to the root of size ${size1}`);
  if (!equalBytes(sr, root2)) return fail('proof.root_mismatch', `consistency proof does not lead to the root of size ${size2}`);
  return ok(undefined);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
