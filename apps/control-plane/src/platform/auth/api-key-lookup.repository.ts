import { sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase } from '../database/tenant-database.js';
import type { ApiKeyRole } from '@thoth/api-keys';

export interface StoredApiKey {
  keyId: string;
  tenantId: string;
  role: ApiKeyRole;
  revokedAt: Date | null;
}

/**
 * Authentication happens before the tenant is known, so the lookup goes through the
 * SECURITY DEFINER function thoth_lookup_api_key: one row by exact hash, nothing else.
 */
export class ApiKeyLookupRepository {
  constructor(private readonly database: TenantDatabase) {}

  async findByHash(hash: string): Promise<StoredApiKey | undefined> {
    return this.database.transaction(null, async (tx) => {
      const [row] = rowsOf<{ key_id: string; tenant_id: string; role: ApiKeyRole; revoked_at: Date | string | null }>(
        await tx.execute(sql`SELECT key_id, tenant_id, role, revoked_at FROM thoth_lookup_api_key(${hash})`),
      );
      if (!row) return undefined;
      return {
        keyId: row.key_id,
        tenantId: row.tenant_id,
        role: row.role,
        revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
      };
    });
  }
}
