import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

// thoth_sk_<32 base62 random>_<6 base62 CRC-32 of the random part>: recognisable to secret
// scanners by its prefix, and a typo or a forged key fails the checksum before any lookup.
const PREFIX = 'thoth_sk_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const SHAPE = /^thoth_sk_([0-9A-Za-z]{32})_([0-9A-Za-z]{6})$/;

export const API_KEY_ROLES = ['admin', 'policy_author', 'auditor', 'read_only', 'approver'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface IssuedApiKey {
  /** The key in clear: shown once, never stored. */
  key: string;
  /** SHA-256 (hex) of the key: what is stored and looked up. */
  hash: string;
  /** The first characters, for people to tell keys apart in lists. */
  prefix: string;
}

export function generateApiKey(): IssuedApiKey {
  let secret = '';
  // Rejection sampling keeps every character uniform over the 62 symbols.
  while (secret.length < SECRET_LENGTH) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && secret.length < SECRET_LENGTH) secret += ALPHABET[byte % 62];
    }
  }
  const key = `${PREFIX}${secret}_${checksum(secret)}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, PREFIX.length + 6) };
}

/** The stored hash of a well-formed key, or undefined when shape or checksum is wrong. */
export function verifiedApiKeyHash(candidate: string): string | undefined {
  const match = SHAPE.exec(candidate);
  if (!match || checksum(match[1]!) !== match[2]) return undefined;
  return hashApiKey(candidate);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function checksum(secret: string): string {
  let n = crc32(secret);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}
