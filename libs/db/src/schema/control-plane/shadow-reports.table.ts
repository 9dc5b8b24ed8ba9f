import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Shadow reports: what a tenant's agents did over a window of recorded decisions (calls over
 * time, would-be blocks by rule, credential findings, riskiest actions, recommended policy),
 * computed once and kept as JSON. Inserted once, never updated.
 */
export const shadowReports = pgTable(
  'shadow_reports',
  {
    reportId: uuid('report_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    /** trial_ended (the scheduler at day seven) or on_demand (the API). */
    trigger: text('trigger', { enum: ['trial_ended', 'on_demand'] }).notNull(),
    windowFrom: timestamp('window_from', { withTimezone: true, mode: 'date' }).notNull(),
    windowTo: timestamp('window_to', { withTimezone: true, mode: 'date' }).notNull(),
    generatedAt: timestamp('generated_at', { withTimezone: true, mode: 'date' }).notNull(),
    generatedBy: text('generated_by').notNull(),
    /** Decisions the report covers, and how many of them were (or would have been) blocked. */
    calls: integer('calls').notNull(),
    blocked: integer('blocked').notNull(),
    /** Version of the report's JSON shape. */
    schemaVersion: integer('schema_version').notNull(),
    /** The ShadowReport. */
    report: jsonb('report').notNull(),
  },
  (t) => [index('shadow_reports_tenant_generated_idx').on(t.tenantId, t.generatedAt, t.reportId)],
);

/**
 * View links: a browser opens a report page with `?token=` instead of an API key. Only the
 * SHA-256 of the token's secret is kept; a link shows one report until it expires.
 */
export const shadowReportViewLinks = pgTable(
  'shadow_report_view_links',
  {
    linkId: uuid('link_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    reportId: uuid('report_id').notNull(),
    /** Lowercase hex SHA-256 of the token's secret part. */
    secretHash: text('secret_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('shadow_report_view_links_report_idx').on(t.tenantId, t.reportId)],
);

export type ShadowReportRow = typeof shadowReports.$inferSelect;
export type NewShadowReportRow = typeof shadowReports.$inferInsert;
export type ShadowReportViewLinkRow = typeof shadowReportViewLinks.$inferSelect;
export type NewShadowReportViewLinkRow = typeof shadowReportViewLinks.$inferInsert;
