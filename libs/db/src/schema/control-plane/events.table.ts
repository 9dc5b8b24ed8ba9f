import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The control plane's event store: one append-only table of domain events.
 * Optimistic concurrency lives in the unique (stream_id, version) index: two writers that
 * loaded the same version cannot both append the next one.
 */
export const events = pgTable(
  'events',
  {
    position: bigserial('position', { mode: 'bigint' }).primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    streamId: text('stream_id').notNull(),
    version: integer('version').notNull(),
    type: text('type').notNull(),
    schemaVersion: smallint('schema_version').notNull(),
    payload: jsonb('payload').notNull(),
    metadata: jsonb('metadata').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('events_stream_version_key').on(t.streamId, t.version),
    index('events_tenant_position_idx').on(t.tenantId, t.position),
    check('events_version_positive', sql`${t.version} > 0`),
    check('events_schema_version_positive', sql`${t.schemaVersion} > 0`),
  ],
);

export type EventRow = typeof events.$inferSelect;
export type NewEventRow = typeof events.$inferInsert;
