import { sql } from 'drizzle-orm';
import { bigint, check, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Each tenant's tree size: the one mutable row per tenant. Folding locks it (SELECT … FOR UPDATE)
 * so that workers on different partitions append to one tenant's log one at a time, and a worker
 * whose cached tree has another size knows to restore it from ledger_nodes.
 */
export const ledgerTrees = pgTable(
  'ledger_trees',
  {
    tenantId: uuid('tenant_id').primaryKey(),
    size: bigint('size', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('ledger_trees_size_non_negative', sql`${t.size} >= 0`)],
);

export type LedgerTreeRow = typeof ledgerTrees.$inferSelect;
