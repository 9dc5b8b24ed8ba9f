import { Query } from '@nestjs/cqrs';

/** A receipt key a process of one of the tenant's enforcers announced: the key directory decisions are verified against. */
export interface ReceiptKeyView {
  keyId: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  /** The process that announced it: the enforcer_id of the receipts it signs. */
  instanceId: string;
}

export class ListReceiptKeysQuery extends Query<ReceiptKeyView[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
