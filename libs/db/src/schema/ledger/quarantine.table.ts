import { bigint, bigserial, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { bytea } from './entries.table.js';

/**
 * Messages the ledger could not fold (undecodable, invalid, or a decision id already folded with
 * other bytes), kept byte for byte beside the reason, in the transaction that moves past them.
 */
export const ledgerQuarantine = pgTable(
  'ledger_quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    key: bytea('key'),
    value: bytea('value'),
    reasonCode: text('reason_code').notNull(),
    reason: text('reason').notNull(),
    quarantinedAt: timestamp('quarantined_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ledger_quarantine_source_key').on(t.topic, t.partition, t.offset)],
);

export type LedgerQuarantineRow = typeof ledgerQuarantine.$inferSelect;
