import { bigint, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The credential inventory from traffic: which agent used which credential fingerprint,
 * when first and last, how often, from where. Kept current from the decision stream, in
 * the transaction that records the decisions (a DECISION_INGEST_HOOKS hook), so each
 * decision counts exactly once. Registration, links, revocation and expiry come from the
 * Credential context's tables when the inventory is read.
 */
export const credentialUsage = pgTable(
  'credential_usage',
  {
    tenantId: uuid('tenant_id').notNull(),
    /** Bare lowercase SHA-256 hex, as decisions carry it. */
    fingerprint: text('fingerprint').notNull(),
    /** The agent id the decision named (the agent's name). */
    agentId: text('agent_id').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
    calls: bigint('calls', { mode: 'number' }).notNull(),
    /** Calls denied, or denied in shadow mode (would_deny). */
    denied: bigint('denied', { mode: 'number' }).notNull(),
    /** Source regions seen, sorted, at most 32. */
    regions: jsonb('regions').$type<string[]>().notNull(),
    /** The latest decision of this agent with this credential: evidence for a finding. */
    lastDecisionId: text('last_decision_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.fingerprint, t.agentId] })],
);

export type CredentialUsageRow = typeof credentialUsage.$inferSelect;
export type NewCredentialUsageRow = typeof credentialUsage.$inferInsert;
