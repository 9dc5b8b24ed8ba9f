import { bigint, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea } from './entries.table.js';

/** Signed checkpoints (C2SP signed notes), also written to the anchor outside the database. INSERT only. */
export const ledgerCheckpoints = pgTable(
  'ledger_checkpoints',
  {
    tenantId: uuid('tenant_id').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    rootHash: bytea('root_hash').notNull(),
    note: text('note').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'ledger_checkpoints_pkey', columns: [t.tenantId, t.size] })],
);

export type LedgerCheckpointRow = typeof ledgerCheckpoints.$inferSelect;
