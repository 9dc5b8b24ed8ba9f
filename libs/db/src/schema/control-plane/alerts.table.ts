import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * The alert outbox: one row per (decision, destination, kind), enqueued in the transaction
 * that records the decision, then delivered by the alert worker (claimed with FOR UPDATE SKIP
 * LOCKED under a lease). Operational state, not a projection: a rebuild leaves it alone.
 */
export const alerts = pgTable(
  'alerts',
  {
    alertId: uuid('alert_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    destinationId: uuid('destination_id').notNull(),
    decisionId: text('decision_id').notNull(),
    kind: text('kind', { enum: ['block', 'drift', 'approval'] }).notNull(),
    severity: text('severity', { enum: ['low', 'medium', 'high', 'critical'] }).notNull(),
    /** The alert as its webhook JSON body says it (receipt and evidence link included); fixed at enqueue. */
    document: jsonb('document').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'dead_letter'] }).notNull(),
    /** Attempts finished (answered, failed or timed out) in the current delivery cycle. */
    attempts: integer('attempts').notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Start of the current delivery cycle (enqueue or redeliver): the max age counts from here. */
    cycleStartedAt: timestamp('cycle_started_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** A worker holds the row until then; after it (a crash), the row is claimable again. */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    claimId: uuid('claim_id'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    deadLetteredAt: timestamp('dead_lettered_at', { withTimezone: true, mode: 'date' }),
    redeliveries: integer('redeliveries').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    // Exactly one alert per decision, destination and kind, however often the decision is ingested.
    uniqueIndex('alerts_decision_destination_kind_key').on(t.tenantId, t.decisionId, t.destinationId, t.kind),
    index('alerts_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('alerts_tenant_created_idx').on(t.tenantId, t.createdAt, t.alertId),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
export type NewAlertRow = typeof alerts.$inferInsert;
