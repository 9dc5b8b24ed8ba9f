import { CompactRange, type NodeWrite } from './compact-range.js';
import { leafHash } from './hash.js';
import {
  assembleProof,
  consistencyProofNodes,
  foldSubtrees,
  inclusionProofNodes,
  rootNodes,
  type NodeId,
} from './proof.js';
import { MerkleError } from './result.js';

/**
 * Where the hashes of complete subtrees live. Reads come in one batch per proof so that a
 * database-backed store answers with a single query; a missing node is an error, not a zero.
 */
export interface TreeStore {
  getNodes(ids: readonly NodeId[]): Uint8Array[];
}

export function inclusionProof(store: TreeStore, index: number, size: number): Uint8Array[] {
  const plan = inclusionProofNodes(index, size);
  return assembleProof(plan, store.getNodes(plan.nodes));
}

export function consistencyProof(store: TreeStore, size1: number, size2: number): Uint8Array[] {
  const plan = consistencyProofNodes(size1, size2);
  return assembleProof(plan, store.getNodes(plan.nodes));
}

/** The root at any size the store has reached, from at most log2(size) + 1 reads. */
export function rootAt(store: TreeStore, size: number): Uint8Array {
  return foldSubtrees(store.getNodes(rootNodes(size)));
}

export function leafHashAt(store: TreeStore, index: number): Uint8Array {
  return store.getNodes([{ level: 0, index }])[0]!;
}

const key = (id: NodeId): string => `${id.level}/${id.index}`;

/** In-memory store for tests, the embedded mode and offline auditing. */
export class MemoryTreeStore implements TreeStore {
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #range = CompactRange.empty();

  get size(): number {
    return this.#range.size;
  }

  appendEntry(entry: Uint8Array): NodeWrite[] {
    return this.append(leafHash(entry));
  }

  append(leaf: Uint8Array): NodeWrite[] {
    const writes = this.#range.append(leaf);
    for (const w of writes) this.#nodes.set(key(w), w.hash);
    return writes;
  }

  root(): Uint8Array {
    return this.#range.root();
  }

  getNodes(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map((id) => {
      const hash = this.#nodes.get(key(id));
      if (hash === undefined) throw new MerkleError('store.missing_node', `no complete subtree at level ${id.level}, index ${id.index}`);
      return hash;
    });
  }
}
