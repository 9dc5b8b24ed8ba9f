import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a webhook alert. */
export const ALERT_ID_HEADER = 'Thoth-Alert-Id';
export const TIMESTAMP_HEADER = 'Thoth-Timestamp';
export const SIGNATURE_HEADER = 'Thoth-Signature';

/** How far a receiver should let Thoth-Timestamp be from its own clock, by default (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SCHEME = 'v1';

const hmac = (secret: string, timestamp: string, body: string | Uint8Array): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();

/**
 * `Thoth-Signature` for a body sent at `timestamp` (Unix seconds): `v1=<hex HMAC-SHA256(secret,
 * "<timestamp>.<raw body>")>`, one per secret, comma-separated (two during a rotation's grace).
 */
export function signAlert(secrets: readonly string[], timestamp: number, body: string | Uint8Array): string {
  return secrets.map((secret) => `${SCHEME}=${hmac(secret, String(timestamp), body).toString('hex')}`).join(', ');
}

export type AlertSignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing_header' | 'bad_timestamp' | 'timestamp_out_of_tolerance' | 'no_matching_signature' };

/**
 * What a receiver calls on each webhook alert, before trusting or parsing it: the raw body
 * exactly as received (not re-serialised JSON), the two headers and its signing secret.
 * Accepts when any `v1=` signature matches (compared in constant time) and the timestamp is
 * within `toleranceSeconds` of `now` (default 300 s), which bounds replays; receivers should
 * also drop an alert id they have already accepted (a retry re-sends the same id).
 */
export function verifyAlertSignature(input: {
  secret: string;
  body: string | Uint8Array;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  now?: Date;
  toleranceSeconds?: number;
}): AlertSignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'timestamp_out_of_tolerance' };
  }
  const expected = hmac(input.secret, timestamp, input.body);
  let match = false;
  for (const part of signature.split(',')) {
    const [scheme, hex] = part.trim().split('=', 2);
    if (scheme !== SCHEME || hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) continue;
    // No early exit: every candidate is compared, each in constant time.
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: 'no_matching_signature' };
}
