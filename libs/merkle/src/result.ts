/** Untrusted input (proofs, notes, checkpoints) is answered with a value, never a throw (docs/architecture.md, "Conventions": errors are values at the edges). */
export type Failure<Code extends string> = { readonly ok: false; readonly code: Code; readonly reason: string };
export type Result<T, Code extends string> = { readonly ok: true; readonly value: T } | Failure<Code>;

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<Code extends string>(code: Code, reason: string): Failure<Code> {
  return { ok: false, code, reason };
}

/** Misuse by our own callers (asking for a proof the tree cannot have, a store missing a node). */
export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  constructor(
    readonly code: 'tree.out_of_range' | 'store.missing_node' | 'key.invalid' | 'note.invalid_text',
    message: string,
  ) {
    super(message);
  }
}
