import { TenantReceiptKeys } from './decision-trust.js';
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

/** A tenant's keys this directory did not have before, as a record brought them. */
export type KeysLearned = (tenantId: string, keyIds: readonly string[]) => void;

/** What the directory logs with (a pino logger is one). */
export interface DirectoryLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * The receipt keys of every tenant's enforcers, as the control plane published them (signed by
 * its snapshot key, THOTH_CONFIG_PUBLIC_KEYS): what the ledger verifies each decision against,
 * and what an enforcer verifies its peers' decisions against before folding their window counters.
 * In memory, rebuilt from the compacted directory topic at every start. A key once believed is
 * never forgotten here: a tombstone or a record that does not verify (anyone able to write the
 * topic could send one) changes nothing and is counted by its reason.
 */
export class ReceiptKeyDirectory {
  /** Tenant → record key → entry. */
  readonly #entries = new Map<string, Map<string, ReceiptKeyEntry>>();
  #size = 0;
  readonly #tenants = new Map<string, TenantReceiptKeys>();
  readonly #listeners = new Set<KeysLearned>();
  readonly #refused = new Map<ReceiptKeyRecordCode, number>();

  constructor(
    private readonly trusted: Keyring,
    private readonly log: DirectoryLog,
  ) {}

  /** The keys decisions of this tenant are verified against (none known: every one is receipt.unknown_key). */
  keysOf(tenantId: string): TenantReceiptKeys {
    return this.#tenants.get(tenantId) ?? TenantReceiptKeys.NONE;
  }

  onLearned(listener: KeysLearned): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Records refused since start, by reason. */
  refused(): Readonly<Partial<Record<ReceiptKeyRecordCode, number>>> {
    return Object.fromEntries(this.#refused);
  }

  get size(): number {
    return this.#size;
  }

  /** One record of the directory topic (`from`, e.g. `thoth.receipt-keys/0@12`, for logs). */
  apply(key: string | null, value: string | null, from: string): void {
    // A tombstone: compaction may drop the record it shadows, but what was believed stays believed.
    if (value === null) return;
    const opened = openReceiptKeyRecord(key, value, this.trusted);
    if (!opened.ok) {
      this.#refused.set(opened.code, (this.#refused.get(opened.code) ?? 0) + 1);
      this.log.warn({ from, key, code: opened.code, reason: opened.reason }, 'receipt key directory record refused');
      return;
    }
    const { entry } = opened;
    let tenant = this.#entries.get(entry.tenantId);
    if (!tenant) this.#entries.set(entry.tenantId, (tenant = new Map()));
    // Filed under its own key (openReceiptKeyRecord checks it): the same key again is a republication.
    const before = tenant.get(key!);
    tenant.set(key!, entry);
    if (before !== undefined) return;
    this.#size++;
    const known = this.keysOf(entry.tenantId).has(entry.keyId);
    this.#tenants.set(entry.tenantId, TenantReceiptKeys.of(tenant.values()));
    if (known) return;
    this.log.info({ tenantId: entry.tenantId, enforcerId: entry.enforcerId, instanceId: entry.instanceId, keyId: entry.keyId }, 'receipt key learned');
    for (const listener of this.#listeners) listener(entry.tenantId, [entry.keyId]);
  }
}
