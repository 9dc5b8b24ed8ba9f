import type { DatabaseHandle, Schema } from '@thoth/db';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** A drizzle session inside a tenant-scoped transaction (node-postgres and PGlite alike). */
export type Tx = PgDatabase<PgQueryResultHKT, Schema>;

/** The role every control-plane query runs as: owns nothing, cannot bypass row-level security. */
export const APP_ROLE = 'thoth_app';

/**
 * The only way the app reaches Postgres. Each unit of work is one transaction that first
 * becomes thoth_app and names its tenant; row-level security then shows and accepts only
 * that tenant's rows, whatever the code above forgets to filter.
 */
export class TenantDatabase {
  constructor(readonly handle: DatabaseHandle) {}

  /** `tenantId` null: no tenant, so every tenant table reads empty (used before authentication). */
  async transaction<T>(tenantId: string | null, work: (tx: Tx) => Promise<T>): Promise<T> {
    const db = this.handle.db as unknown as Tx;
    return db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL ROLE ${APP_ROLE}`));
      if (tenantId !== null) await tx.execute(sql`SELECT set_config('thoth.tenant_id', ${tenantId}, true)`);
      return work(tx);
    });
  }
}

/** Rows of a raw `tx.execute(sql…)` on either driver. */
export function rowsOf<Row>(result: unknown): Row[] {
  return (result as { rows: Row[] }).rows;
}
