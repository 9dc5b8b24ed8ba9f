import type { DecisionEvent } from '@thoth/contracts';
import { judgeDecisionEvent, TenantReceiptKeys, type AnnouncedKey, type DecisionTrustCode, type DecisionVerdict } from '@thoth/snapshot';

/** Why a decision was not believed (the rule and its codes are @thoth/snapshot's, shared with the ledger). */
export type QuarantineCode = DecisionTrustCode;
export type Verdict = DecisionVerdict;
export type { AnnouncedKey };

/** The receipt keys a tenant's enforcers announced (the enforcers context's ListReceiptKeysQuery). */
export type ReceiptKeyDirectory = (tenantId: string) => Promise<readonly AnnouncedKey[]>;

/**
 * Believes a decision only if its receipt verifies, over the whole event (version 3), with a key
 * an enforcer of the event's own tenant announced, from the process the event names
 * (`judgeDecisionEvent`). Each tenant's keys are cached: enforcers add keys and never withdraw
 * one, so a cached key is never wrong, and a key the cache lacks is looked up again, once per
 * tenant and batch (a flood of forged keys costs one query per batch, not per message).
 */
export class DecisionVerifier {
  readonly #tenants = new Map<string, TenantReceiptKeys>();

  constructor(private readonly directory: ReceiptKeyDirectory) {}

  /**
   * One verdict per event, all of one tenant; and the keys this call learned of (all of them, the
   * first time). `bytes[i]`: what `events[i]` was decoded from, when known (hashed as received).
   */
  async verify(tenantId: string, events: readonly DecisionEvent[], bytes: readonly (Uint8Array | undefined)[] = []): Promise<{ verdicts: Verdict[]; learned: string[] }> {
    const cached = this.#tenants.get(tenantId);
    let keys = cached ?? (await this.#load(tenantId));
    if (events.some((e) => e.receipt !== undefined && !keys.has(e.receipt.keyId))) keys = await this.#load(tenantId);
    const learned = keys.keyIds().filter((keyId) => !cached?.has(keyId));
    return { verdicts: events.map((event, i) => judgeDecisionEvent(event, keys, bytes[i])), learned };
  }

  async #load(tenantId: string): Promise<TenantReceiptKeys> {
    const keys = TenantReceiptKeys.of(await this.directory(tenantId));
    this.#tenants.set(tenantId, keys);
    return keys;
  }
}
