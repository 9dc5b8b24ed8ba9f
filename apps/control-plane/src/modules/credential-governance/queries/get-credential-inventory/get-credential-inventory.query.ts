import { Query } from '@nestjs/cqrs';
import type { InventoryEntry, InventoryFinding } from '../../domain/credential-inventory.js';

export interface CredentialInventoryPage {
  /** Over the whole inventory, whatever the filter and page. */
  readonly summary: Record<InventoryFinding, number> & { readonly credentials: number };
  readonly items: readonly InventoryEntry[];
  /** The fingerprint to pass as `after` for the next page; null on the last. */
  readonly next: string | null;
}

/** The credential inventory from traffic, by fingerprint, optionally only the credentials with a finding. */
export class GetCredentialInventoryQuery extends Query<CredentialInventoryPage> {
  constructor(
    readonly tenantId: string,
    readonly options: { readonly finding?: InventoryFinding; readonly after?: string; readonly limit: number },
  ) {
    super();
  }
}
