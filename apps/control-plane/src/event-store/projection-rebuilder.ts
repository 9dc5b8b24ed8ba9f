import { events } from '@thoth/db';
import { asc, gt, sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase } from '../platform/database/tenant-database.js';
import { TENANT_LOCK_CLASS, toRecorded } from './postgres-event-store.js';
import type { ProjectionRegistry } from './projection.js';

const PAGE = 1000;

export interface RebuildReport {
  tenants: number;
  events: number;
}

/**
 * Rebuilds every read model from the event store alone. It runs as the app role, tenant by
 * tenant, each in one transaction: empty the tenant's rows in every projection table (RLS
 * limits the DELETE to them), replay its events in position order. A reader sees either the
 * old rows or the rebuilt ones, never an empty table.
 */
export class ProjectionRebuilder {
  constructor(
    private readonly database: TenantDatabase,
    private readonly projections: ProjectionRegistry,
  ) {}

  /** Every tenant the event store knows, or only those named. */
  async rebuildProjections(only?: readonly string[]): Promise<RebuildReport> {
    const tenantIds =
      only ??
      (await this.database.transaction(null, async (tx) =>
        rowsOf<{ tenant_id: string }>(await tx.execute(sql`SELECT t AS tenant_id FROM thoth_event_tenants() AS t`)).map(
          (r) => r.tenant_id,
        ),
      ));
    let replayed = 0;
    for (const tenantId of tenantIds) {
      replayed += await this.database.transaction(tenantId, async (tx) => {
        // No append of this tenant runs meanwhile: none can land between the delete and the replay.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${TENANT_LOCK_CLASS}, hashtext(${tenantId}))`);
        for (const projection of this.projections.projections) {
          for (const table of projection.tables) await tx.delete(table);
        }
        let after = 0n;
        let count = 0;
        for (;;) {
          const rows = await tx
            .select()
            .from(events)
            .where(gt(events.position, after))
            .orderBy(asc(events.position))
            .limit(PAGE);
          await this.projections.apply(tx, rows.map(toRecorded));
          count += rows.length;
          const last = rows.at(-1);
          if (!last || rows.length < PAGE) return count;
          after = last.position;
        }
      }).catch((error: unknown) => {
        throw new Error(`rebuilding the projections of tenant ${tenantId} failed (its rows are as they were)`, { cause: error });
      });
    }
    return { tenants: tenantIds.length, events: replayed };
  }
}
