import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 10 * 4096;
let pool = new Uint8Array(0);
let offset = POOL_SIZE;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** The id's characters are written here and read out as one string (one allocation per id). */
const text = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');

/**
 * A UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version, 74 random bits. Ids sort
 * by time, which keeps the ledger's index on decision ids append-friendly. Random bytes
 * come from a pooled CSPRNG buffer, refilled every 4,096 ids.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  if (offset + 10 > pool.length) {
    pool = new Uint8Array(POOL_SIZE);
    randomFillSync(pool);
    offset = 0;
  }
  const r = pool;
  const o = offset;
  offset += 10;
  const ms = Math.max(0, Math.floor(nowMs));
  // 48 bits of milliseconds as 12 hex digits, in two 24-bit halves (exact in doubles).
  hex24(Math.floor(ms / 2 ** 24) % 2 ** 24, 0);
  hex24(ms % 2 ** 24, 6);
  // version 7 and 12 random bits
  text[14] = HEX[7]!;
  text[15] = HEX[r[o]! & 0x0f]!;
  byte(r[o + 1]!, 16);
  // variant 10xx and 14 random bits
  byte(0x80 | (r[o + 2]! & 0x3f), 19);
  byte(r[o + 3]!, 21);
  for (let i = 0; i < 6; i++) byte(r[o + 4 + i]!, 24 + 2 * i);
  return text.toString('latin1', 0, 36);
}

/** Where the 12 time digits go: `tttttttt-tttt-…`. */
const TIME_AT = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12];

/** Six hex digits of `value`, as time digits `first`…`first + 5`. */
function hex24(value: number, first: number): void {
  for (let i = 5; i >= 0; i--) {
    text[TIME_AT[first + i]!] = HEX[value & 0x0f]!;
    value >>>= 4;
  }
}

function byte(value: number, at: number): void {
  text[at] = HEX[value >>> 4]!;
  text[at + 1] = HEX[value & 0x0f]!;
}
