/** The canonical form of a policy document and the hash over it (`CompiledPolicy.hash`). */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text` (@noble/hashes: pure TS, no platform crypto). */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** JSON with object keys sorted at every level: the form the policy hash covers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

/** `sha256:<hex>` of the canonical JSON of a parsed document: stable across key order and formatting. */
export function policyHash(document: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(document))}`;
}
