import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { DecisionIngestHook, DecisionRecord } from '../../decisions/index.js';
import { usageOf } from '../domain/credential-usage.js';
import { CredentialUsageRepository } from '../storage/credential-usage.repository.js';

/**
 * Keeps the credential inventory current from the decision stream: in the transaction that
 * records the decisions, with only the new ones, so each counts once and the inventory shows a
 * decision as soon as the read model does.
 */
@Injectable()
export class CredentialUsageHook implements DecisionIngestHook {
  async onRecorded(tx: Tx, tenantId: string, records: readonly DecisionRecord[]): Promise<void> {
    const deltas = usageOf(records);
    if (deltas.length > 0) await CredentialUsageRepository.record(tx, tenantId, deltas);
  }
}
