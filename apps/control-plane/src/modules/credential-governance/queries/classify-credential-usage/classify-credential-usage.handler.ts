import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AgentsRepository } from '../../../agents/index.js';
import { CredentialsRepository } from '../../../credentials/index.js';
import type { InventoryEntry } from '../../domain/credential-inventory.js';
import { inventoryOf } from '../inventory-of.js';
import { ClassifyCredentialUsageQuery } from './classify-credential-usage.query.js';

@QueryHandler(ClassifyCredentialUsageQuery)
export class ClassifyCredentialUsageHandler implements IQueryHandler<ClassifyCredentialUsageQuery> {
  constructor(
    @Inject(CredentialsRepository) private readonly credentials: CredentialsRepository,
    @Inject(AgentsRepository) private readonly agents: AgentsRepository,
  ) {}

  async execute({ tenantId, usage }: ClassifyCredentialUsageQuery): Promise<InventoryEntry[]> {
    return inventoryOf(tenantId, usage, this.credentials, this.agents);
  }
}
