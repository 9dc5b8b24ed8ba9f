import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, leafHash, nodeHash } from './hash.js';
import { rootFromInclusionProof } from './proof.js';
import { ProvenTree } from './proven-tree.js';

// The tree and its proofs by RFC 9162 §2.1, recursion and all.
const split = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
const mth = (l: readonly Uint8Array[]): Uint8Array => (l.length === 1 ? l[0]! : nodeHash(mth(l.slice(0, split(l.length))), mth(l.slice(split(l.length)))));
function path(m: number, l: readonly Uint8Array[]): Uint8Array[] {
  if (l.length <= 1) return [];
  const k = split(l.length);
  return m < k ? [...path(m, l.slice(0, k)), mth(l.slice(k))] : [...path(m - k, l.slice(k)), mth(l.slice(0, k))];
}
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`receipt ${n}/${i}`)));

/** What a proof proves without the memory: rootFromInclusionProof, compared with the root. */
const reference = (size: number, root: Uint8Array, index: number, leaf: Uint8Array, proof: Uint8Array[]) => {
  const r = rootFromInclusionProof(index, size, leaf, proof);
  return r.ok && equalBytes(r.value, root);
};

describe('ProvenTree', () => {
  it("proves every leaf of trees of 1 to 40 leaves, in any order, as rootFromInclusionProof does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), (n, seed) => {
        const l = leaves(n);
        const tree = new ProvenTree(n, mth(l));
        const order = l.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 97) - ((b * 7919 + seed) % 97));
        for (const i of order) expect(tree.proves(i, l[i]!, path(i, l))).toBe(true);
      }),
    );
  });

  it('refuses whatever rootFromInclusionProof refuses, after other leaves of the tree were proven', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.nat(), fc.nat(), fc.nat(), fc.nat(4), (n, known, target, at, change) => {
        const l = leaves(n);
        const root = mth(l);
        const tree = new ProvenTree(n, root);
        for (let i = 0; i < n; i += 1 + (known % 3)) tree.proves(i, l[i]!, path(i, l));
        const index = target % n;
        let leaf = l[index]!;
        let proof = path(index, l);
        let claimed = index;
        if (change === 0) claimed = (index + 1 + (at % (n - 1))) % n; // another position
        else if (change === 1) leaf = l[(index + 1) % n]!; // another leaf
        else if (change === 2 && proof.length > 0) proof = proof.map((p, i) => (i === at % proof.length ? flip(p, at) : p));
        else if (change === 3) proof = proof.slice(0, at % (proof.length + 1)); // cut short
        else proof = [...proof, l[at % n]!]; // too long
        expect(tree.proves(claimed, leaf, proof)).toBe(reference(n, root, claimed, leaf, proof));
      }),
    );
  });
});

function flip(p: Uint8Array, at: number): Uint8Array {
  const q = p.slice();
  q[at % q.length] = q[at % q.length]! ^ 1;
  return q;
}
