import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { type ApiKeyView, ListApiKeysQuery } from './list-api-keys.query.js';

@QueryHandler(ListApiKeysQuery)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeysQuery> {
  constructor(@Inject(TenantsRepository) private readonly tenants: TenantsRepository) {}

  async execute({ tenantId }: ListApiKeysQuery): Promise<ApiKeyView[]> {
    const rows = await this.tenants.listApiKeys(tenantId);
    return rows.map((row) => ({
      id: row.keyId,
      name: row.name,
      role: row.role,
      prefix: row.prefix,
      createdAt: row.createdAt.toISOString(),
      createdBy: row.createdBy,
      revokedAt: row.revokedAt?.toISOString() ?? null,
    }));
  }
}
