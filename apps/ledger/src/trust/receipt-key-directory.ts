import { openReceiptKeyRecord, TenantReceiptKeys, type Keyring, type ReceiptKeyEntry, type ReceiptKeyRecordCode } from '@thoth/snapshot';
import type { Logger } from 'pino';

/** A tenant's keys this directory did not have before, as a record brought them. */
export type KeysLearned = (tenantId: string, keyIds: readonly string[]) => void;

/**
 * The receipt keys of every tenant's enforcers, as the control plane published them (signed by
 * its snapshot key, THOTH_CONFIG_PUBLIC_KEYS): what the ledger verifies each decision against.
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
    private readonly log: Logger,
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
