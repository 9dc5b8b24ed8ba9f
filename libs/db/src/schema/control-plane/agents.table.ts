import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Read model of the Agent aggregate: one row per agent, projected from its events. */
export const agents = pgTable(
  'agents',
  {
    agentId: uuid('agent_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    /** The slug policies name the agent by; unique in the tenant, retired agents included. */
    name: text('name').notNull(),
    description: text('description'),
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    status: text('status', { enum: ['active', 'suspended', 'retired'] }).notNull(),
    statusReason: text('status_reason'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** SHA-256 hex of the agent token; the token itself was shown once. */
    tokenHash: text('token_hash').notNull(),
    /** `thoth_at_` and four characters, for people to tell tokens apart. */
    tokenHint: text('token_hint').notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The agent stream's version this row reflects. */
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('agents_tenant_name_key').on(t.tenantId, t.name),
    uniqueIndex('agents_token_hash_key').on(t.tokenHash),
    index('agents_tenant_registered_idx').on(t.tenantId, t.registeredAt),
  ],
);

export type AgentRow = typeof agents.$inferSelect;
export type NewAgentRow = typeof agents.$inferInsert;
