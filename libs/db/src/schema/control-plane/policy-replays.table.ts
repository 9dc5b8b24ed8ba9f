import { integer, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Policy replays: a candidate policy re-deciding a window of recorded decisions, and what it
 * changed. Inserted once, never updated.
 */
export const policyReplays = pgTable(
  'policy_replays',
  {
    replayId: uuid('replay_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    windowFrom: timestamp('window_from', { withTimezone: true, mode: 'date' }).notNull(),
    windowTo: timestamp('window_to', { withTimezone: true, mode: 'date' }).notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' }).notNull(),
    requestedBy: text('requested_by').notNull(),
    /** The candidate exactly as submitted, and the lowercase hex SHA-256 of it. */
    candidateFormat: text('candidate_format', { enum: ['yaml', 'json'] }).notNull(),
    candidateSource: text('candidate_source').notNull(),
    candidateHash: text('candidate_hash').notNull(),
    calls: integer('calls').notNull(),
    changed: integer('changed').notNull(),
    /** Version of the result's JSON shape. */
    schemaVersion: integer('schema_version').notNull(),
    /** The PolicyReplayResult. */
    result: jsonb('result').notNull(),
  },
  (t) => [index('policy_replays_tenant_requested_idx').on(t.tenantId, t.requestedAt, t.replayId)],
);

export type PolicyReplayRow = typeof policyReplays.$inferSelect;
export type NewPolicyReplayRow = typeof policyReplays.$inferInsert;
