import { HASH_SIZE, equalBytes, nodeHash } from './hash.js';

/** A node an accepted proof passed through: its hash, and the proof hashes that led on from it to the root. */
interface Passed {
  readonly hash: Uint8Array;
  readonly proof: readonly Uint8Array[];
  /** Proof hashes consumed before this node. */
  readonly step: number;
}

/**
 * The inclusion proofs already accepted for one tree (its size and root, believed: e.g. signed):
 * a later proof of the same tree need only be hashed up to the first node an accepted proof passed
 * through, at the same position, if its remaining hashes are the ones that proof went on with: from
 * there the walk is the same, to the same root. The answer is always rootFromInclusionProof's
 * (RFC 9162 §2.1.3.2) compared with the root; proofs of the leaves of one tree share their upper
 * nodes, so checking a whole tree's leaves costs about one node hash per leaf instead of log2(size).
 */
export class ProvenTree {
  /** Position (level's index and last index, as the walk tracks them) → node passed there. */
  readonly #passed = new Map<string, Passed>();

  constructor(
    readonly size: number,
    readonly root: Uint8Array,
  ) {}

  /** Whether `proof` leads from `leaf` at `index` to this tree's root; if it does, its nodes are remembered. */
  proves(index: number, leaf: Uint8Array, proof: readonly Uint8Array[]): boolean {
    const size = this.size;
    if (!Number.isSafeInteger(index) || index < 0 || index >= size || leaf.length !== HASH_SIZE) return false;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    const walked: Array<[string, Uint8Array]> = [];
    for (let k = 0; ; k++) {
      const position = `${fn} ${sn}`;
      const passed = this.#passed.get(position);
      if (passed !== undefined && equalBytes(passed.hash, r) && sameRest(passed, proof, k)) return this.#remember(walked, proof);
      walked.push([position, r]);
      if (k === proof.length) break;
      const p = proof[k]!;
      if (sn === 0 || p.length !== HASH_SIZE) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equalBytes(r, this.root) && this.#remember(walked, proof);
  }

  #remember(walked: ReadonlyArray<[string, Uint8Array]>, proof: readonly Uint8Array[]): true {
    for (let step = 0; step < walked.length; step++) {
      const [position, hash] = walked[step]!;
      if (!this.#passed.has(position)) this.#passed.set(position, { hash, proof, step });
    }
    return true;
  }
}

function sameRest(passed: Passed, proof: readonly Uint8Array[], k: number): boolean {
  if (proof.length - k !== passed.proof.length - passed.step) return false;
  for (let i = 0; k + i < proof.length; i++) if (!equalBytes(proof[k + i]!, passed.proof[passed.step + i]!)) return false;
  return true;
}
