import { HASH_SIZE, leafHash, nodeHash } from './hash.js';
import { foldSubtrees, rootNodes, type NodeId } from './proof.js';
import { MerkleError } from './result.js';

export interface NodeWrite extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * The frontier of a growing tree (the compact range [0, size) of Tessera and trillian): the roots of
 * its complete subtrees, largest first. Appending a leaf returns the nodes it completes — on average
 * two (the leaf and one parent) — which is everything a store must write to serve any proof later.
 */
export class CompactRange {
  #size: number;
  readonly #subtrees: Uint8Array[];

  private constructor(size: number, subtrees: Uint8Array[]) {
    this.#size = size;
    this.#subtrees = subtrees;
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Resumes from stored hashes of `rootNodes(size)`, read in that order. */
  static restore(size: number, hashes: readonly Uint8Array[]): CompactRange {
    const want = rootNodes(size).length;
    if (hashes.length !== want || hashes.some((h) => h.length !== HASH_SIZE)) {
      throw new MerkleError('store.missing_node', `a tree of size ${size} needs ${want} frontier hashes, got ${hashes.length}`);
    }
    return new CompactRange(size, [...hashes]);
  }

  get size(): number {
    return this.#size;
  }

  appendEntry(entry: Uint8Array): NodeWrite[] {
    return this.append(leafHash(entry));
  }

  append(leaf: Uint8Array): NodeWrite[] {
    if (leaf.length !== HASH_SIZE) throw new MerkleError('tree.out_of_range', `leaf hash has ${leaf.length} bytes`);
    let hash = leaf;
    let level = 0;
    let index = this.#size;
    const writes: NodeWrite[] = [{ level, index, hash }];
    // A right child completes its parent; the left sibling is the smallest subtree on the frontier.
    while (index % 2 === 1) {
      hash = nodeHash(this.#subtrees.pop()!, hash);
      level++;
      index = (index - 1) / 2;
      writes.push({ level, index, hash });
    }
    this.#subtrees.push(hash);
    this.#size++;
    return writes;
  }

  /** MTH of the leaves appended so far. */
  root(): Uint8Array {
    return foldSubtrees(this.#subtrees);
  }
}

/** MTH(D[n]) of RFC 9162 §2.1.1 over raw entries. */
export function merkleTreeHash(entries: readonly Uint8Array[]): Uint8Array {
  const range = CompactRange.empty();
  for (const e of entries) range.appendEntry(e);
  return range.root();
}
