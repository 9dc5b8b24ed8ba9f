import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface EnforcerReceiptKeyAnnouncedPayload {
  readonly enforcerId: string;
  /** `ed25519:` + the first 16 hex digits of SHA-256 of the public key: what receipts name as key_id. */
  readonly keyId: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** The process that announced it (`Hello.enforcer_id`): the enforcer_id of the receipts it signs. */
  readonly instanceId: string;
  /**
   * Base64 of the announcement's proof (libs/snapshot receipt-key.ts): Ed25519 by the key over the
   * registration's token hash, the instance and the key. Kept so that anyone can check again, from
   * the event store alone, that the registration's process held the key.
   */
  readonly proof: string;
  readonly announcedAt: string;
}

/**
 * A process of this registration signs its receipts with this key, from now on. Keys announced
 * before stay the enforcer's: decisions they signed are still its own.
 */
export class EnforcerReceiptKeyAnnounced extends DomainEventClass('enforcer.receipt_key_announced')<EnforcerReceiptKeyAnnouncedPayload> {}
