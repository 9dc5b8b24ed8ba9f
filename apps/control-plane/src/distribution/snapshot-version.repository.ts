import { sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase } from '../platform/database/tenant-database.js';

/** Event types that change what an enforcer runs (enforcer.* reports and API keys do not). */
export function affectsSnapshot(type: string): boolean {
  return (
    type.startsWith('agent.') ||
    type.startsWith('credential.') ||
    type.startsWith('policy.') ||
    type.startsWith('baseline.') ||
    type === 'tenant.signed_up' ||
    type === 'tenant.mode_switched' ||
    type === 'tenant.fail_mode_chosen'
  );
}

/**
 * A snapshot's version: the position of the last event of the tenant that changes it. It
 * only grows, and every replica computes the same one from the same events.
 */
export class SnapshotVersionRepository {
  constructor(private readonly database: TenantDatabase) {}

  async latest(tenantId: string): Promise<bigint | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      // Walks the (tenant_id, position) index backwards past enforcer reports to the first relevant event.
      // The text goes out under another name: ORDER BY position would sort the text ('9' > '10').
      const [row] = rowsOf<{ latest: string }>(
        await tx.execute(sql`
          SELECT position::text AS latest FROM events
           WHERE tenant_id = ${tenantId}
             AND (type LIKE 'agent.%' OR type LIKE 'credential.%' OR type LIKE 'policy.%' OR type LIKE 'baseline.%'
                  OR type IN ('tenant.signed_up', 'tenant.mode_switched', 'tenant.fail_mode_chosen'))
           ORDER BY position DESC LIMIT 1`),
      );
      return row ? BigInt(row.latest) : undefined;
    });
  }
}
