import { keyIdOf, verifierFromPublicKey, type Keyring, type Signer } from './keys.js';

/**
 * The directory of receipt keys the control plane publishes to whoever ingests decisions apart
 * from it (the ledger): one entry per key and process that announced it, signed by the control
 * plane's snapshot key, so a principal able to write the directory's topic still cannot
 * introduce a key (docs/security.md, "Decisions believed only when signed").
 */
export interface ReceiptKeyEntry {
  readonly tenantId: string;
  readonly enforcerId: string;
  readonly instanceId: string;
  readonly keyId: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** ISO 8601. */
  readonly announcedAt: string;
  /** The enforcer registration's status when published: what it signed before stays signed. */
  readonly status: 'active' | 'decommissioned';
}

/** One record of the directory: its key (compaction keeps the last record of each) and value. */
export interface ReceiptKeyRecord {
  readonly key: string;
  readonly value: string;
}

export type ReceiptKeyRecordCheck =
  | { readonly ok: true; readonly entry: ReceiptKeyEntry }
  | { readonly ok: false; readonly code: ReceiptKeyRecordCode; readonly reason: string };

/** Why a directory record was not believed; stable codes. */
export type ReceiptKeyRecordCode = 'directory.malformed' | 'directory.unknown_signer' | 'directory.bad_signature' | 'directory.key_mismatch';

const DOMAIN = 'thoth.receipt-key-directory.v1\n';
const FIELDS = ['tenantId', 'enforcerId', 'instanceId', 'keyId', 'publicKey', 'announcedAt', 'status'] as const;

/** `tenant/enforcer/keyId/instance`: a key announced by several processes is one record each. */
export function receiptKeyRecordKey(entry: Pick<ReceiptKeyEntry, 'tenantId' | 'enforcerId' | 'keyId' | 'instanceId'>): string {
  return `${entry.tenantId}/${entry.enforcerId}/${entry.keyId}/${entry.instanceId}`;
}

/** What is signed: a domain tag, then the entry's fields in a fixed order (JSON-escaped strings). */
function signingPayload(entry: ReceiptKeyEntry): Uint8Array {
  return new TextEncoder().encode(DOMAIN + JSON.stringify(FIELDS.map((f) => entry[f])));
}

export function signReceiptKeyEntry(entry: ReceiptKeyEntry, signer: Signer): ReceiptKeyRecord {
  const signature = Buffer.from(signer.sign(signingPayload(entry))).toString('base64');
  const fields = Object.fromEntries(FIELDS.map((f) => [f, entry[f]]));
  return { key: receiptKeyRecordKey(entry), value: JSON.stringify({ ...fields, signer: signer.keyId, signature }) };
}

/**
 * A directory record believed: well formed, signed by one of the control plane's `trusted` keys,
 * its public key's id the one it names, and filed under its own record key (a record copied under
 * another key is refused, so it cannot shadow the real one at compaction).
 */
export function openReceiptKeyRecord(key: string | null, value: string | null, trusted: Keyring): ReceiptKeyRecordCheck {
  let parsed: unknown;
  try {
    parsed = value === null ? undefined : JSON.parse(value);
  } catch {
    return malformed('the value is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) return malformed('the value is not a JSON object');
  const record = parsed as Record<string, unknown>;
  for (const field of [...FIELDS, 'signer', 'signature']) {
    if (typeof record[field] !== 'string') return malformed(`${field} must be a string`);
  }
  if (record['status'] !== 'active' && record['status'] !== 'decommissioned') return malformed('status must be active or decommissioned');
  const entry = Object.fromEntries(FIELDS.map((f) => [f, record[f]])) as unknown as ReceiptKeyEntry;
  const signer = trusted.get(record['signer'] as string);
  if (signer === undefined) return { ok: false, code: 'directory.unknown_signer', reason: `signed by ${String(record['signer'])}, not a control plane key this ledger trusts` };
  if (!signer.verify(signingPayload(entry), Buffer.from(record['signature'] as string, 'base64'))) {
    return { ok: false, code: 'directory.bad_signature', reason: `the signature of ${String(record['signer'])} does not verify` };
  }
  let keyId: string;
  try {
    keyId = keyIdOf(verifierFromPublicKey(entry.publicKey).publicKey);
  } catch (error) {
    return malformed(`publicKey: ${(error as Error).message}`);
  }
  if (keyId !== entry.keyId) return { ok: false, code: 'directory.key_mismatch', reason: `key id ${entry.keyId} is not the id of its public key, ${keyId}` };
  if (key !== receiptKeyRecordKey(entry)) return { ok: false, code: 'directory.key_mismatch', reason: `filed under ${String(key)}, not ${receiptKeyRecordKey(entry)}` };
  return { ok: true, entry };
}

const malformed = (reason: string) => ({ ok: false as const, code: 'directory.malformed' as const, reason });
