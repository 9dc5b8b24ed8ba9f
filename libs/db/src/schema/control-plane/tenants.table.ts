import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Read model of the Tenant aggregate: one row per tenant, projected from its events. */
export const tenants = pgTable('tenants', {
  tenantId: uuid('tenant_id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  mode: text('mode', { enum: ['shadow', 'enforce'] }).notNull(),
  failMode: text('fail_mode', { enum: ['open', 'closed'] }).notNull(),
  signedUpAt: timestamp('signed_up_at', { withTimezone: true, mode: 'date' }).notNull(),
  trialEndsAt: timestamp('trial_ends_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Days decision records are kept in the read model (docs/retention.md); the default is the domain's. */
  decisionRetentionDays: integer('decision_retention_days').notNull().default(90),
  /** Days their retained arguments are kept (at most decisionRetentionDays). */
  argumentRetentionDays: integer('argument_retention_days').notNull().default(30),
  /** The tenant stream's version this row reflects (the ETag of GET /v1/tenant). */
  version: integer('version').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export type TenantRow = typeof tenants.$inferSelect;
export type NewTenantRow = typeof tenants.$inferInsert;
