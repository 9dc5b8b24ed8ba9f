import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Read model of each tenant's seven-day shadow trial: when it ends (from the sign-up), whether
 * its end was recorded, and the day-seven shadow report. The trial scheduler finds due trials
 * through the SECURITY DEFINER function thoth_due_trials.
 */
export const trials = pgTable(
  'trials',
  {
    tenantId: uuid('tenant_id').primaryKey(),
    endsAt: timestamp('ends_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** When the scheduler recorded the end (trial.ended); NULL while the trial runs. */
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    /** The day-seven shadow report, once produced. */
    reportId: text('report_id'),
    /** How many times a replica claimed producing the report (the first with trial.ended). */
    reportAttempts: integer('report_attempts').notNull(),
    /** The last claim: another replica may claim again only after a lease from it. */
    reportRequestedAt: timestamp('report_requested_at', { withTimezone: true, mode: 'date' }),
    /** The trial stream's version this row reflects (0: nothing recorded on it yet). */
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('trials_due_idx').on(t.endsAt)],
);

export type TrialRow = typeof trials.$inferSelect;
export type NewTrialRow = typeof trials.$inferInsert;
