/**
 * What must never be kept of a call's arguments, removed before the enforcer signs and publishes
 * its DecisionEvent (docs/retention.md, "Redaction"): once on Kafka a value is in the ledger and
 * every consumer's hands. Card numbers (13–19 digits passing the Luhn check, spaced or dashed, as
 * a string or a JSON number), values that look like credentials (well-known token formats, JWTs,
 * PEM private keys, bearer tokens), and every string under a key that names a secret. The
 * arguments' digest and the policy's decision are over the call as made; only what is retained
 * changes. Arguments that are not JSON are kept out altogether (nothing is known of them).
 */

const CARD = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;
const SECRETS: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g,
  /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/g,
  /\bsk-[A-Za-z0-9_-]{20,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bthoth_(?:sk|at)_[A-Za-z0-9_]{10,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/gi,
];
const SECRET_KEY = /(?:pass(?:word|wd|phrase)?|secret|api[_-]?key|access[_-]?key|token|private[_-]?key|authorization|^cvv|^cvc)$/i;
/** Cheap first look: text with none of these holds nothing to redact (the usual call). */
const MAYBE = /\d{13}|\d[ -]\d|PRIVATE KEY|eyJ|sk|pk_|rk_|gh[pousr]_|AKIA|ASIA|xox|thoth_|bearer|pass|secret|key|token|auth|credential|cvv|cvc/i;

export const REDACTED_CARD = '[redacted:card]';
export const REDACTED_SECRET = '[redacted:secret]';

/** The retained arguments with what must never be kept replaced; the same bytes when there is nothing. */
export function redactArguments(json: Uint8Array): Uint8Array {
  if (json.length === 0) return json;
  const text = new TextDecoder().decode(json);
  if (!MAYBE.test(text)) return json;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new Uint8Array(0);
  }
  const redacted = JSON.stringify(redactValue(value, undefined));
  // Unchanged: the bytes as they came (no reformatting of what needs no redaction).
  return redacted === JSON.stringify(value) ? json : new TextEncoder().encode(redacted);
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key !== undefined && SECRET_KEY.test(key) && value !== '' ? REDACTED_SECRET : redactString(value);
  if (typeof value === 'number') return Number.isInteger(value) && isCardNumber(String(Math.abs(value))) ? REDACTED_CARD : value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

function redactString(value: string): string {
  let out = value.replace(CARD, (match) => (isCardNumber(match.replace(/[ -]/g, '')) ? REDACTED_CARD : match));
  for (const pattern of SECRETS) out = out.replace(pattern, REDACTED_SECRET);
  return out;
}

/** 13 to 19 digits whose Luhn checksum holds. */
export function isCardNumber(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
