import { apiKeys, tenants, type ApiKeyRow, type NewApiKeyRow, type NewTenantRow, type TenantRow } from '@thoth/db';
import { desc, eq } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';

/** The Tenant read models: written by the projection (inside the append), read by queries. */
export class TenantsRepository {
  constructor(private readonly database: TenantDatabase) {}

  async findTenant(tenantId: string): Promise<TenantRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(tenants).where(eq(tenants.tenantId, tenantId));
      return row;
    });
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRow[]> {
    return this.database.transaction(tenantId, (tx) => tx.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), apiKeys.keyId));
  }

  async findApiKey(tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.keyId, keyId));
      return row;
    });
  }

  static async insertTenant(tx: Tx, row: NewTenantRow): Promise<void> {
    await tx.insert(tenants).values(row);
  }

  static async updateTenant(tx: Tx, tenantId: string, change: Partial<NewTenantRow>): Promise<void> {
    await tx.update(tenants).set(change).where(eq(tenants.tenantId, tenantId));
  }

  static async insertApiKey(tx: Tx, row: NewApiKeyRow): Promise<void> {
    await tx.insert(apiKeys).values(row);
  }

  static async updateApiKey(tx: Tx, keyId: string, change: Partial<NewApiKeyRow>): Promise<void> {
    await tx.update(apiKeys).set(change).where(eq(apiKeys.keyId, keyId));
  }
}
