import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Read model of a tenant's Policy aggregate (one policy document per tenant): what is current. */
export const policies = pgTable('policies', {
  tenantId: uuid('tenant_id').primaryKey(),
  /** The policy version enforcers run and If-Match names (1, 2, 3…). */
  currentVersion: integer('current_version').notNull(),
  contentHash: text('content_hash').notNull(),
  mode: text('mode', { enum: ['shadow', 'enforce'] }).notNull(),
  /** The policy stream's version this row reflects (mode changes count too). */
  version: integer('version').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Every published version of a tenant's policy, immutable once written. */
export const policyVersions = pgTable(
  'policy_versions',
  {
    tenantId: uuid('tenant_id').notNull(),
    version: integer('version').notNull(),
    format: text('format', { enum: ['yaml', 'json'] }).notNull(),
    /** The source exactly as authored; enforcers compile these bytes. */
    source: text('source').notNull(),
    /** Lowercase hex SHA-256 of `source`. */
    contentHash: text('content_hash').notNull(),
    documentName: text('document_name').notNull(),
    documentVersion: text('document_version').notNull(),
    /** Set when this version was a rollback: the version whose content it repeats. */
    rolledBackTo: integer('rolled_back_to'),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }).notNull(),
    publishedBy: text('published_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.version] })],
);

export type PolicyRow = typeof policies.$inferSelect;
export type NewPolicyRow = typeof policies.$inferInsert;
export type PolicyVersionRow = typeof policyVersions.$inferSelect;
export type NewPolicyVersionRow = typeof policyVersions.$inferInsert;
