import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_BYTES = 32;
const BODY_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // ceil(32 / log2(62))

/** Kinds of bearer token the control plane issues, by their recognisable prefix. */
export type TokenKind = 'agent' | 'enforcer';
const PREFIX: Record<TokenKind, string> = { agent: 'thoth_at_', enforcer: 'thoth_et_' };

/** A freshly issued token: the secret is shown once, only `hash` is kept. */
export interface IssuedToken {
  readonly secret: string;
  /** Lowercase hex SHA-256 of the whole secret: what is stored and looked up. */
  readonly hash: string;
  /** `thoth_at_` plus the first four characters of the body: enough to recognise it in a list. */
  readonly hint: string;
}

function base62(value: bigint, length: number): string {
  let out = '';
  let n = value;
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(length, '0');
}

function checksum(prefixAndBody: string): string {
  return base62(BigInt(crc32(prefixAndBody)), CHECKSUM_LENGTH);
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * `thoth_at_<43 base62>_<6 base62 CRC32>`: the prefix lets secret scanners find a leaked
 * token, the checksum lets us reject a mistyped one without a database lookup.
 */
export function issueToken(kind: TokenKind, random: (n: number) => Uint8Array = randomBytes): IssuedToken {
  const body = base62(BigInt(`0x${Buffer.from(random(BODY_BYTES)).toString('hex')}`), BODY_LENGTH);
  const head = `${PREFIX[kind]}${body}`;
  const secret = `${head}_${checksum(head)}`;
  return { secret, hash: hashToken(secret), hint: head.slice(0, PREFIX[kind].length + 4) };
}

/** True when `text` has the shape and checksum of a token of this kind (it may still be unknown or revoked). */
export function isWellFormedToken(kind: TokenKind, text: string): boolean {
  const prefix = PREFIX[kind];
  const expected = prefix.length + BODY_LENGTH + 1 + CHECKSUM_LENGTH;
  if (text.length !== expected || !text.startsWith(prefix)) return false;
  const head = text.slice(0, prefix.length + BODY_LENGTH);
  if (!/^[0-9A-Za-z]+$/.test(head.slice(prefix.length)) || text[head.length] !== '_') return false;
  return text.slice(head.length + 1) === checksum(head);
}
