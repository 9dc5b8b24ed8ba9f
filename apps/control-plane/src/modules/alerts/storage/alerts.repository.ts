import { alertDestinations, alerts, type AlertDestinationRow, type AlertRow, type NewAlertRow } from '@thoth/db';
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase, type Tx } from '../../../platform/database/tenant-database.js';

export type AlertStatus = AlertRow['status'];

/** A page position: the last row's (createdAt, alertId). */
export interface AlertCursor {
  readonly createdAt: Date;
  readonly alertId: string;
}

/** How a delivery attempt ended, as the row records it. */
export type Settlement =
  | { readonly status: 'delivered'; readonly at: Date }
  | { readonly status: 'pending'; readonly at: Date; readonly error: string; readonly retryAt: Date }
  | { readonly status: 'dead_letter'; readonly at: Date; readonly error: string; readonly countsAsAttempt: boolean };

/**
 * The alert outbox. Rows are inserted in the decision-ingest transaction, claimed across
 * tenants through thoth_claim_due_alerts (a lease, FOR UPDATE SKIP LOCKED), then read and
 * settled under their tenant by the claim that holds them.
 */
export class AlertsRepository {
  constructor(private readonly database: TenantDatabase) {}

  /** Inserts what is not there yet: (tenant, decision, destination, kind) is unique. Returns how many were new. */
  static async enqueue(tx: Tx, rows: readonly NewAlertRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await tx
      .insert(alerts)
      .values([...rows])
      .onConflictDoNothing({ target: [alerts.tenantId, alerts.decisionId, alerts.destinationId, alerts.kind] })
      .returning({ alertId: alerts.alertId });
    return inserted.length;
  }

  /** Leases up to `max` due alerts of any tenant for `claimId` until `leaseUntil`. */
  async claimDue(now: Date, leaseUntil: Date, claimId: string, max: number): Promise<Array<{ alertId: string; tenantId: string }>> {
    return this.database.transaction(null, async (tx) => {
      const result = await tx.execute(
        sql`SELECT alert_id, tenant_id FROM thoth_claim_due_alerts(${now.toISOString()}::timestamptz, ${leaseUntil.toISOString()}::timestamptz, ${claimId}::uuid, ${max}::integer)`,
      );
      return rowsOf<{ alert_id: string; tenant_id: string }>(result).map((r) => ({ alertId: r.alert_id, tenantId: r.tenant_id }));
    });
  }

  /** The claimed alert and its destination; undefined when the claim was lost (the lease ran out and another worker took it). */
  async loadClaimed(tenantId: string, alertId: string, claimId: string): Promise<{ alert: AlertRow; destination: AlertDestinationRow | undefined } | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [alert] = await tx
        .select()
        .from(alerts)
        .where(and(eq(alerts.alertId, alertId), eq(alerts.claimId, claimId), eq(alerts.status, 'pending')));
      if (!alert) return undefined;
      const [destination] = await tx.select().from(alertDestinations).where(eq(alertDestinations.destinationId, alert.destinationId));
      return { alert, destination };
    });
  }

  /** Records an attempt's end, if `claimId` still holds the alert. False: the lease was lost, nothing written. */
  async settle(tenantId: string, alertId: string, claimId: string, settlement: Settlement): Promise<boolean> {
    const counted = settlement.status !== 'dead_letter' || settlement.countsAsAttempt;
    const change = {
      status: settlement.status,
      attempts: counted ? sql`${alerts.attempts} + 1` : sql`${alerts.attempts}`,
      leaseUntil: null,
      claimId: null,
      ...(counted ? { lastAttemptAt: settlement.at } : {}),
      ...(settlement.status === 'delivered' ? { deliveredAt: settlement.at } : { lastError: settlement.error.slice(0, 1_000) }),
      ...(settlement.status === 'pending' ? { nextAttemptAt: settlement.retryAt } : {}),
      ...(settlement.status === 'dead_letter' ? { deadLetteredAt: settlement.at } : {}),
    };
    return this.database.transaction(tenantId, async (tx) => {
      const updated = await tx
        .update(alerts)
        .set(change)
        .where(and(eq(alerts.alertId, alertId), eq(alerts.claimId, claimId), eq(alerts.status, 'pending')))
        .returning({ alertId: alerts.alertId });
      return updated.length === 1;
    });
  }

  async find(tenantId: string, alertId: string): Promise<AlertRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(alerts).where(eq(alerts.alertId, alertId));
      return row;
    });
  }

  /** Oldest first, keyset-paged. */
  async list(tenantId: string, filter: { status?: AlertStatus; destinationId?: string; after?: AlertCursor; limit: number }): Promise<AlertRow[]> {
    const { after } = filter;
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select()
        .from(alerts)
        .where(
          and(
            eq(alerts.tenantId, tenantId),
            filter.status === undefined ? undefined : eq(alerts.status, filter.status),
            filter.destinationId === undefined ? undefined : eq(alerts.destinationId, filter.destinationId),
            after === undefined ? undefined : or(gt(alerts.createdAt, after.createdAt), and(eq(alerts.createdAt, after.createdAt), gt(alerts.alertId, after.alertId))),
          ),
        )
        .orderBy(asc(alerts.createdAt), asc(alerts.alertId))
        .limit(filter.limit),
    );
  }

  /**
   * Starts a new delivery cycle for a dead-lettered alert (attempts from zero, due now).
   * `check` sees the row (locked) and its destination first, and throws to refuse.
   */
  async redeliver(
    tenantId: string,
    alertId: string,
    now: Date,
    check: (alert: AlertRow | undefined, destination: AlertDestinationRow | undefined) => void,
  ): Promise<void> {
    await this.database.transaction(tenantId, async (tx) => {
      const [alert] = await tx.select().from(alerts).where(eq(alerts.alertId, alertId)).for('update');
      const [destination] = alert ? await tx.select().from(alertDestinations).where(eq(alertDestinations.destinationId, alert.destinationId)) : [];
      check(alert, destination);
      if (!alert) return;
      await tx
        .update(alerts)
        .set({
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          cycleStartedAt: now,
          leaseUntil: null,
          claimId: null,
          deadLetteredAt: null,
          redeliveries: sql`${alerts.redeliveries} + 1`,
        })
        .where(eq(alerts.alertId, alertId));
    });
  }
}
