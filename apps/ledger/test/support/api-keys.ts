import { generateApiKey, type ApiKeyRole } from '@thoth/api-keys';
import type { DatabaseHandle } from '@thoth/db';
import { randomUUID } from 'node:crypto';

/**
 * An API key as the control plane would have issued it: a row in its api_keys table (the format from
 * @thoth/api-keys), written as the migrating role under the tenant's RLS scope. The ledger tests may
 * not import the control plane, and need no more of it than this row.
 */
export async function issueTestKey(owner: DatabaseHandle, tenantId: string, role: ApiKeyRole, options: { revoked?: boolean } = {}): Promise<string> {
  const { key, hash, prefix } = generateApiKey();
  await owner.sql.transaction(async (tx) => {
    await tx.query("SELECT set_config('thoth.tenant_id', $1, true)", [tenantId]);
    await tx.query(
      `INSERT INTO api_keys (key_id, tenant_id, name, role, prefix, key_hash, created_at, created_by, revoked_at, revoked_by)
       VALUES ($1, $2, $3, $4, $5, $6, now(), 'test', $7, $8)`,
      [randomUUID(), tenantId, `${role} key`, role, prefix, hash, options.revoked ? new Date() : null, options.revoked ? 'test' : null],
    );
  });
  return key;
}
