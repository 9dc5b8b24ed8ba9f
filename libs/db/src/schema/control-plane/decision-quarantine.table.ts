import { pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea } from '../ledger/entries.table.js';

/**
 * Decisions of the stream that ingestion did not believe (their receipt does not verify with a
 * key of an enforcer of the tenant they name): kept for operators to examine, never in the read
 * model, read by no API. Isolated by the tenant the event claims (a UUID, or it was poison), like
 * every table with a tenant_id: ingestion writes and releases them in that tenant's transaction.
 */
export const decisionQuarantine = pgTable(
  'decision_quarantine',
  {
    /** Where it came from, e.g. `thoth.decisions/3@1207`, or `in-process`. */
    origin: text('origin').notNull(),
    decisionId: text('decision_id').notNull(),
    /** The tenant the event names. */
    tenantId: uuid('tenant_id').notNull(),
    enforcerId: text('enforcer_id').notNull(),
    keyId: text('key_id').notNull(),
    /** Stable: `receipt.unknown_key`, `receipt.downgraded`, `receipt.wrong_enforcer`, `receipt.bad_signature`, … */
    reasonCode: text('reason_code').notNull(),
    reason: text('reason').notNull(),
    /** The DecisionEvent's protobuf encoding: enough to verify it again. */
    event: bytea('event').notNull(),
    quarantinedAt: timestamp('quarantined_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.origin, t.decisionId, t.reasonCode] })],
);

export type NewDecisionQuarantineRow = typeof decisionQuarantine.$inferInsert;
