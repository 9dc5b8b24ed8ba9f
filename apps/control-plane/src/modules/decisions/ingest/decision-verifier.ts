import type { DecisionEvent } from '@thoth/contracts';
import { keyring, verifierFromPublicKey, verifyDecisionEvent, type DecisionEventCheck, type Keyring } from '@thoth/snapshot';

/** Why a decision was not believed; stable codes, stored with each quarantined event and counted. */
export type QuarantineCode =
  | 'receipt.missing'
  | 'receipt.unknown_key'
  | 'receipt.wrong_enforcer'
  | 'receipt.downgraded'
  | 'receipt.bad_signature'
  | 'receipt.bad_batch_proof'
  | 'receipt.event_mismatch'
  | 'receipt.unknown_version';

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly code: QuarantineCode; readonly reason: string };

/** A receipt key of one of a tenant's enforcers, and the process that announced it. */
export interface AnnouncedKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly instanceId: string;
}

/** The receipt keys a tenant's enforcers announced (the enforcers context's ListReceiptKeysQuery). */
export type ReceiptKeyDirectory = (tenantId: string) => Promise<readonly AnnouncedKey[]>;

interface TenantKeys {
  readonly keyring: Keyring;
  /** Key id → the instance ids that announced it. */
  readonly instances: ReadonlyMap<string, ReadonlySet<string>>;
}

const CODES: Record<Exclude<DecisionEventCheck, { ok: true }>['code'], QuarantineCode> = {
  NO_RECEIPT: 'receipt.missing',
  UNKNOWN_KEY: 'receipt.unknown_key',
  BAD_SIGNATURE: 'receipt.bad_signature',
  BAD_BATCH_PROOF: 'receipt.bad_batch_proof',
  EVENT_MISMATCH: 'receipt.event_mismatch',
  UNKNOWN_VERSION: 'receipt.unknown_version',
};

/**
 * Believes a decision only if its receipt verifies, over the whole event (version 3), with a key
 * an enforcer of the event's own tenant announced, from the process the event names. Each
 * tenant's keys are cached: enforcers add keys and never withdraw one, so a cached key is never
 * wrong, and a key the cache lacks is looked up again, once per tenant and batch (a flood of
 * forged keys costs one query per batch, not per message).
 */
export class DecisionVerifier {
  readonly #tenants = new Map<string, TenantKeys>();

  constructor(private readonly directory: ReceiptKeyDirectory) {}

  /** One verdict per event, all of one tenant; and the keys this call learned of (all of them, the first time). */
  async verify(tenantId: string, events: readonly DecisionEvent[]): Promise<{ verdicts: Verdict[]; learned: string[] }> {
    const cached = this.#tenants.get(tenantId);
    let keys = cached ?? (await this.#load(tenantId));
    if (events.some((e) => e.receipt !== undefined && !keys.keyring.has(e.receipt.keyId))) keys = await this.#load(tenantId);
    const learned = [...keys.keyring.keys()].filter((keyId) => !cached?.keyring.has(keyId));
    return { verdicts: events.map((event) => verdictOf(event, keys)), learned };
  }

  async #load(tenantId: string): Promise<TenantKeys> {
    const announced = await this.directory(tenantId);
    const instances = new Map<string, Set<string>>();
    for (const { keyId, instanceId } of announced) instances.set(keyId, (instances.get(keyId) ?? new Set()).add(instanceId));
    const keys = { keyring: keyring(announced.map((k) => verifierFromPublicKey(k.publicKey))), instances };
    this.#tenants.set(tenantId, keys);
    return keys;
  }
}

function verdictOf(event: DecisionEvent, keys: TenantKeys): Verdict {
  const check = verifyDecisionEvent(event, keys.keyring);
  if (!check.ok) return { ok: false, code: CODES[check.code], reason: check.message };
  // Only enforcers that sign the whole event announce keys: an older receipt under one is a downgrade.
  if (check.coverage !== 'event') return { ok: false, code: 'receipt.downgraded', reason: `a receipt of version ${event.receipt?.receiptVersion} covers only its own fields, and key ${check.keyId} signs whole events` };
  if (!keys.instances.get(check.keyId)?.has(event.enforcerId)) {
    return { ok: false, code: 'receipt.wrong_enforcer', reason: `key ${check.keyId} was not announced by enforcer process ${event.enforcerId}` };
  }
  return { ok: true };
}
