import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AgentsRepository } from '../../../agents/index.js';
import { CredentialsRepository } from '../../../credentials/index.js';
import { summarize } from '../../domain/credential-inventory.js';
import { CredentialUsageRepository } from '../../storage/credential-usage.repository.js';
import { inventoryOf } from '../inventory-of.js';
import { GetCredentialInventoryQuery, type CredentialInventoryPage } from './get-credential-inventory.query.js';

/**
 * Reads the usage rows, the tenant's credentials (revoked ones too: their use is a finding)
 * and agents, and sets them against each other. The whole inventory is built in memory (one
 * entry per fingerprint seen, one row per fingerprint and agent), then filtered and paged.
 */
@QueryHandler(GetCredentialInventoryQuery)
export class GetCredentialInventoryHandler implements IQueryHandler<GetCredentialInventoryQuery> {
  constructor(
    @Inject(CredentialUsageRepository) private readonly usage: CredentialUsageRepository,
    @Inject(CredentialsRepository) private readonly credentials: CredentialsRepository,
    @Inject(AgentsRepository) private readonly agents: AgentsRepository,
  ) {}

  async execute({ tenantId, options }: GetCredentialInventoryQuery): Promise<CredentialInventoryPage> {
    const inventory = await inventoryOf(tenantId, await this.usage.list(tenantId), this.credentials, this.agents);
    const { finding, after, limit } = options;
    const selected = inventory.filter((e) => (finding === undefined || e.findings.includes(finding)) && (after === undefined || e.fingerprint > after));
    const items = selected.slice(0, limit);
    return { summary: summarize(inventory), items, next: selected.length > limit ? (items.at(-1)?.fingerprint ?? null) : null };
  }
}
