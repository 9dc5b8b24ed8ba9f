import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange, merkleTreeHash } from './compact-range.js';
import { EMPTY_ROOT, leafHash, nodeHash } from './hash.js';
import {
  consistencyProofNodes,
  inclusionProofNodes,
  rootFromInclusionProof,
  rootNodes,
  verifyConsistency,
  verifyInclusion,
} from './proof.js';
import { MerkleError } from './result.js';
import { MemoryTreeStore, consistencyProof, inclusionProof, rootAt } from './tree-store.js';

// Reference: RFC 9162 §2.1 transcribed literally, recursion and all, over leaf hashes.
const split = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function refMth(l: readonly Uint8Array[]): Uint8Array {
  if (l.length === 0) return EMPTY_ROOT;
  if (l.length === 1) return l[0]!;
  const k = split(l.length);
  return nodeHash(refMth(l.slice(0, k)), refMth(l.slice(k)));
}
function refPath(m: number, l: readonly Uint8Array[]): Uint8Array[] {
  if (l.length <= 1) return [];
  const k = split(l.length);
  return m < k ? [...refPath(m, l.slice(0, k)), refMth(l.slice(k))] : [...refPath(m - k, l.slice(k)), refMth(l.slice(0, k))];
}
function refSubproof(m: number, l: readonly Uint8Array[], whole: boolean): Uint8Array[] {
  if (m === l.length) return whole ? [] : [refMth(l)];
  const k = split(l.length);
  return m <= k
    ? [...refSubproof(m, l.slice(0, k), whole), refMth(l.slice(k))]
    : [...refSubproof(m - k, l.slice(k), false), refMth(l.slice(0, k))];
}

const entries = (seed: number, n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => new TextEncoder().encode(`decision ${seed}/${i}`));

function build(seed: number, n: number): { store: MemoryTreeStore; leaves: Uint8Array[] } {
  const store = new MemoryTreeStore();
  for (const e of entries(seed, n)) store.appendEntry(e);
  return { store, leaves: entries(seed, n).map(leafHash) };
}

function flipBit(hashes: readonly Uint8Array[], which: number, bit: number): Uint8Array[] {
  return hashes.map((h, i) => {
    if (i !== which % hashes.length) return h;
    const copy = Uint8Array.from(h);
    copy[Math.floor(bit / 8) % copy.length]! ^= 1 << bit % 8;
    return copy;
  });
}

const tree = fc.record({ seed: fc.nat(), n: fc.integer({ min: 1, max: 300 }) });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hexes = (bs: readonly Uint8Array[]): string[] => bs.map(hex);

describe('tree hashing', () => {
  it('matches RFC 6962 for the empty tree and one entry', () => {
    expect(hex(merkleTreeHash([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(merkleTreeHash([new Uint8Array()]))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('compact range and store roots equal the reference root for every prefix', () => {
    fc.assert(
      fc.property(tree, ({ seed, n }) => {
        const leaves = entries(seed, n).map(leafHash);
        const range = CompactRange.empty();
        const store = new MemoryTreeStore();
        for (let size = 1; size <= n; size++) {
          range.append(leaves[size - 1]!);
          store.append(leaves[size - 1]!);
          const want = hex(refMth(leaves.slice(0, size)));
          expect(hex(range.root())).toBe(want);
          expect(hex(store.root())).toBe(want);
        }
        for (let size = 0; size <= n; size++) expect(hex(rootAt(store, size))).toBe(hex(refMth(leaves.slice(0, size))));
      }),
      { numRuns: 25 },
    );
  });

  it('resumes a compact range from the stored frontier', () => {
    fc.assert(
      fc.property(tree, fc.nat(), ({ seed, n }, cut) => {
        const { store, leaves } = build(seed, n);
        const at = cut % (n + 1);
        const range = CompactRange.restore(at, store.getNodes(rootNodes(at)));
        for (const leaf of leaves.slice(at)) range.append(leaf);
        expect(hex(range.root())).toBe(hex(store.root()));
      }),
    );
  });

  it('writes each complete subtree once: under 2n node writes for n appends', () => {
    const range = CompactRange.empty();
    let writes = 0;
    for (const leaf of entries(7, 1000).map(leafHash)) writes += range.append(leaf).length;
    expect(writes).toBe(2 * 1000 - 6); // 2n − popcount(n): each complete subtree of 1000 leaves, once
  });
});

describe('inclusion proofs', () => {
  it('from the store equal the reference, verify, and fail on any bit flip', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), fc.nat(), fc.nat(), ({ seed, n }, a, b, which, bit) => {
        const { store, leaves } = build(seed, n);
        const size = 1 + (a % n);
        const index = b % size;
        const proof = inclusionProof(store, index, size);
        const root = refMth(leaves.slice(0, size));
        const leaf = leaves[index]!;
        expect(hexes(proof)).toEqual(hexes(refPath(index, leaves.slice(0, size))));
        expect(verifyInclusion(index, size, leaf, proof, root)).toEqual({ ok: true, value: undefined });

        if (proof.length > 0) expect(verifyInclusion(index, size, leaf, flipBit(proof, which, bit), root).ok).toBe(false);
        expect(verifyInclusion(index, size, flipBit([leaf], 0, bit)[0]!, proof, root).ok).toBe(false);
        expect(verifyInclusion(index, size, leaf, proof, flipBit([root], 0, bit)[0]!).ok).toBe(false);
        expect(verifyInclusion(index, size, leaf, [...proof, root], root).ok).toBe(false);
        // The size is not bound by the hashes (the signed checkpoint binds it), but the path length is.
        if (proof.length > 0) expect(verifyInclusion(index, size, leaf, proof.slice(0, -1), root).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('verifies for every leaf of every tree up to 64 leaves', () => {
    const { store, leaves } = build(1, 64);
    for (let size = 1; size <= 64; size++) {
      const root = refMth(leaves.slice(0, size));
      for (let index = 0; index < size; index++) {
        const result = verifyInclusion(index, size, leaves[index]!, inclusionProof(store, index, size), root);
        expect(result.ok, `leaf ${index} of ${size}`).toBe(true);
        // Another leaf's proof must not pass for this position.
        if (size > 1) expect(verifyInclusion(index, size, leaves[(index + 1) % size]!, inclusionProof(store, index, size), root).ok).toBe(false);
      }
    }
  });

  it('reads O(log n) nodes', () => {
    for (const size of [1, 2, 3, 1000, 1023, 1024, 1025, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
      const log = Math.ceil(Math.log2(size));
      for (const index of [0, Math.floor(size / 3), size - 1]) {
        const plan = inclusionProofNodes(index, size);
        expect(plan.groups.length).toBeLessThanOrEqual(log);
        expect(plan.nodes.length).toBeLessThanOrEqual(2 * log);
      }
    }
  });

  it('handles trees past 2^32 leaves without 32-bit truncation', () => {
    // A synthetic proof: verification walks the index bits only, so hashes can be arbitrary.
    const size = 2 ** 40 + 3;
    const index = 2 ** 33 + 5;
    const proof = inclusionProofNodes(index, size).groups.map((_, i) => leafHash(new Uint8Array([i])));
    const leaf = leafHash(new Uint8Array([255]));
    const root = rootFromInclusionProof(index, size, leaf, proof);
    expect(root.ok).toBe(true);
    if (root.ok) expect(verifyInclusion(index, size, leaf, proof, root.value).ok).toBe(true);
  });

  it('refuses proofs for leaves outside the tree', () => {
    expect(() => inclusionProofNodes(5, 5)).toThrow(MerkleError);
    expect(() => inclusionProofNodes(0, 0)).toThrow(MerkleError);
    const { store } = build(1, 4);
    expect(() => inclusionProof(store, 0, 5)).toThrow(/no complete subtree/);
  });
});

describe('consistency proofs', () => {
  it('from the store equal the reference, verify, and fail on any bit flip', () => {
    fc.assert(
      fc.property(tree, fc.nat(), fc.nat(), fc.nat(), fc.nat(), ({ seed, n }, a, b, which, bit) => {
        const { store, leaves } = build(seed, n);
        const size2 = 1 + (a % n);
        const size1 = 1 + (b % size2);
        const proof = consistencyProof(store, size1, size2);
        const root1 = refMth(leaves.slice(0, size1));
        const root2 = refMth(leaves.slice(0, size2));
        expect(hexes(proof)).toEqual(hexes(refSubproof(size1, leaves.slice(0, size2), true)));
        expect(verifyConsistency(size1, size2, root1, root2, proof)).toEqual({ ok: true, value: undefined });

        if (proof.length > 0) expect(verifyConsistency(size1, size2, root1, root2, flipBit(proof, which, bit)).ok).toBe(false);
        expect(verifyConsistency(size1, size2, flipBit([root1], 0, bit)[0]!, root2, proof).ok).toBe(false);
        expect(verifyConsistency(size1, size2, root1, flipBit([root2], 0, bit)[0]!, proof).ok).toBe(false);
        if (size1 < size2) expect(verifyConsistency(size1, size2, root2, root1, proof).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('verifies between every pair of sizes up to 64 leaves', () => {
    const { store, leaves } = build(2, 64);
    for (let size2 = 1; size2 <= 64; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = consistencyProof(store, size1, size2);
        const result = verifyConsistency(size1, size2, refMth(leaves.slice(0, size1)), refMth(leaves.slice(0, size2)), proof);
        expect(result.ok, `${size1} → ${size2}`).toBe(true);
        expect(consistencyProofNodes(size1, size2).groups.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size2)));
      }
    }
  });

  it('refuses impossible size pairs', () => {
    expect(() => consistencyProofNodes(0, 3)).toThrow(MerkleError);
    expect(() => consistencyProofNodes(4, 3)).toThrow(MerkleError);
  });
});
