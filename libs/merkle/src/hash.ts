import { createHash } from 'node:crypto';
import type { Buffer } from 'node:buffer';

export const HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

// A plain Uint8Array view, so hashes compare equal to decoded ones whatever produced them.
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** RFC 9162 §2.1.1: the prefixes keep a leaf from ever passing for an interior node. */
export function leafHash(entry: Uint8Array): Uint8Array {
  return bytes(createHash('sha256').update(LEAF_PREFIX).update(entry).digest());
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return bytes(createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest());
}

/** MTH({}) = SHA-256(). */
export const EMPTY_ROOT: Uint8Array = bytes(createHash('sha256').digest());

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
