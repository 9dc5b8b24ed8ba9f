import { Query } from '@nestjs/cqrs';
import type { InventoryEntry, UsageRecord } from '../../domain/credential-inventory.js';

/**
 * The inventory of the usage given rather than of all recorded traffic (a shadow report's
 * window, folded with UsageTally), classified against the credentials and agents as they are now.
 */
export class ClassifyCredentialUsageQuery extends Query<InventoryEntry[]> {
  constructor(
    readonly tenantId: string,
    readonly usage: readonly UsageRecord[],
  ) {
    super();
  }
}
