import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Read model of learned baselines (the `baseline.learned` events): how each credential and
 * each agent of a tenant is normally used. The snapshot builder ships them to enforcers,
 * whose policy `drift` section checks calls against them.
 */
export const credentialBaselines = pgTable(
  'credential_baselines',
  {
    tenantId: uuid('tenant_id').notNull(),
    subjectKind: text('subject_kind', { enum: ['credential', 'agent'] }).notNull(),
    /** Credential fingerprint (bare lowercase hex) or agent id as policies name it (its name). */
    subjectId: text('subject_id').notNull(),
    /** Calls the baseline was learned from. */
    observations: integer('observations').notNull(),
    resourceClasses: jsonb('resource_classes').$type<string[]>().notNull(),
    regions: jsonb('regions').$type<string[]>().notNull(),
    /** IPv4 /24 and IPv6 /48 prefixes. */
    networks: jsonb('networks').$type<string[]>().notNull(),
    tools: jsonb('tools').$type<string[]>().notNull(),
    peakPerMinute: integer('peak_per_minute').notNull(),
    peakPer10Minutes: integer('peak_per_10_minutes').notNull(),
    /** Hours of the day (0-23, UTC) with activity. */
    activeHoursUtc: jsonb('active_hours_utc').$type<number[]>().notNull(),
    /** The first and last call it was learned from. */
    learnedFrom: timestamp('learned_from', { withTimezone: true, mode: 'date' }).notNull(),
    learnedUntil: timestamp('learned_until', { withTimezone: true, mode: 'date' }).notNull(),
    /** The baseline stream's version this row reflects. */
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.subjectKind, t.subjectId] })],
);

export type CredentialBaselineRow = typeof credentialBaselines.$inferSelect;
export type NewCredentialBaselineRow = typeof credentialBaselines.$inferInsert;
