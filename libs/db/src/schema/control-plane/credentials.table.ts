import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Read model of the Credential aggregate: one row per credential, known by its fingerprint only. */
export const credentials = pgTable(
  'credentials',
  {
    credentialId: uuid('credential_id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['oauth_token', 'api_key'] }).notNull(),
    provider: text('provider').notNull(),
    /** Lowercase hex SHA-256 of the current secret. */
    fingerprint: text('fingerprint').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    allowedResources: jsonb('allowed_resources').$type<string[]>().notNull(),
    allowedCidrs: jsonb('allowed_cidrs').$type<string[]>().notNull(),
    allowedRegions: jsonb('allowed_regions').$type<string[]>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    status: text('status', { enum: ['active', 'revoked'] }).notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true, mode: 'date' }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedReason: text('revoked_reason'),
    /** The credential stream's version this row reflects. */
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    // Two live credentials of a tenant cannot share a secret: the enforcer could not tell them apart.
    uniqueIndex('credentials_tenant_active_fingerprint_key').on(t.tenantId, t.fingerprint).where(sql`${t.status} = 'active'`),
    index('credentials_tenant_registered_idx').on(t.tenantId, t.registeredAt),
  ],
);

/** Every fingerprint a credential ever had: the credential trail behind a fingerprint in an old decision. */
export const credentialFingerprints = pgTable(
  'credential_fingerprints',
  {
    tenantId: uuid('tenant_id').notNull(),
    credentialId: uuid('credential_id').notNull(),
    fingerprint: text('fingerprint').notNull(),
    activeFrom: timestamp('active_from', { withTimezone: true, mode: 'date' }).notNull(),
    /** Set when a rotation replaced it. */
    rotatedOutAt: timestamp('rotated_out_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.credentialId, t.fingerprint] }), index('credential_fingerprints_tenant_fingerprint_idx').on(t.tenantId, t.fingerprint)],
);

/** Which agents may use which credential. */
export const credentialAgents = pgTable(
  'credential_agents',
  {
    tenantId: uuid('tenant_id').notNull(),
    credentialId: uuid('credential_id').notNull(),
    agentId: uuid('agent_id').notNull(),
    linkedAt: timestamp('linked_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.credentialId, t.agentId] }), index('credential_agents_tenant_agent_idx').on(t.tenantId, t.agentId)],
);

export type CredentialRow = typeof credentials.$inferSelect;
export type NewCredentialRow = typeof credentials.$inferInsert;
export type CredentialFingerprintRow = typeof credentialFingerprints.$inferSelect;
export type NewCredentialFingerprintRow = typeof credentialFingerprints.$inferInsert;
export type CredentialAgentRow = typeof credentialAgents.$inferSelect;
export type NewCredentialAgentRow = typeof credentialAgents.$inferInsert;
