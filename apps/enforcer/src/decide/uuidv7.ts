import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 10 * 4096;
let pool = new Uint8Array(0);
let offset = POOL_SIZE;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

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
  const r = pool.subarray(offset, offset + 10);
  offset += 10;
  const ms = Math.max(0, Math.floor(nowMs));
  const high = Math.floor(ms / 2 ** 16);
  const low = ms % 2 ** 16;
  const timeHex = high.toString(16).padStart(8, '0') + low.toString(16).padStart(4, '0');
  const b = (i: number) => HEX[r[i] as number] as string;
  return (
    `${timeHex.slice(0, 8)}-${timeHex.slice(8, 12)}-` +
    `${HEX[0x70 | ((r[0] as number) & 0x0f)]}${b(1)}-` +
    `${HEX[0x80 | ((r[2] as number) & 0x3f)]}${b(3)}-` +
    `${b(4)}${b(5)}${b(6)}${b(7)}${b(8)}${b(9)}`
  );
}
