import { alertDestinations, type AlertDestinationRow, type NewAlertDestinationRow } from '@thoth/db';
import { and, asc, count, eq } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';

/** The alert destinations read model: written by the projection (inside the append), read by queries and the worker. */
export class AlertDestinationsRepository {
  constructor(private readonly database: TenantDatabase) {}

  async find(tenantId: string, destinationId: string): Promise<AlertDestinationRow | undefined> {
    return this.database.transaction(tenantId, (tx) => AlertDestinationsRepository.find(tx, destinationId));
  }

  async list(tenantId: string, filter: { includeDeleted: boolean }): Promise<AlertDestinationRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select()
        .from(alertDestinations)
        .where(and(eq(alertDestinations.tenantId, tenantId), filter.includeDeleted ? undefined : eq(alertDestinations.status, 'active')))
        .orderBy(asc(alertDestinations.createdAt), asc(alertDestinations.destinationId)),
    );
  }

  async countActive(tenantId: string): Promise<number> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx
        .select({ n: count() })
        .from(alertDestinations)
        .where(and(eq(alertDestinations.tenantId, tenantId), eq(alertDestinations.status, 'active')));
      return row?.n ?? 0;
    });
  }

  static async find(tx: Tx, destinationId: string): Promise<AlertDestinationRow | undefined> {
    const [row] = await tx.select().from(alertDestinations).where(eq(alertDestinations.destinationId, destinationId));
    return row;
  }

  /** Where a new alert of the tenant goes (inside the decision-ingest transaction). */
  static async activeIds(tx: Tx, tenantId: string): Promise<string[]> {
    const rows = await tx
      .select({ destinationId: alertDestinations.destinationId })
      .from(alertDestinations)
      .where(and(eq(alertDestinations.tenantId, tenantId), eq(alertDestinations.status, 'active')))
      .orderBy(asc(alertDestinations.createdAt), asc(alertDestinations.destinationId));
    return rows.map((r) => r.destinationId);
  }

  static async insert(tx: Tx, row: NewAlertDestinationRow): Promise<void> {
    await tx.insert(alertDestinations).values(row);
  }

  static async update(tx: Tx, destinationId: string, change: Partial<NewAlertDestinationRow>): Promise<void> {
    await tx.update(alertDestinations).set(change).where(eq(alertDestinations.destinationId, destinationId));
  }
}
