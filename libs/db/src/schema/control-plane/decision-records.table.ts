import { sql } from 'drizzle-orm';
import { bigint, boolean, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The decision read model: one row per answered decision, from the decision stream (Kafka
 * `thoth.decisions`, or the embedded in-process log). Inserted once per (tenant, decision id),
 * never updated. Times are kept to the millisecond, as JavaScript reads them, so keyset cursors
 * built from a row compare equal to the row.
 */
export const decisionRecords = pgTable(
  'decision_records',
  {
    tenantId: uuid('tenant_id').notNull(),
    decisionId: text('decision_id').notNull(),
    requestId: text('request_id').notNull(),
    /** As the request named the agent (the agent's name in policies). */
    agentId: text('agent_id').notNull(),
    tool: text('tool').notNull(),
    resource: text('resource').notNull(),
    /** Bare lowercase SHA-256 hex; '' when the call carried no credential. */
    credentialFingerprint: text('credential_fingerprint').notNull(),
    sourceIp: text('source_ip').notNull(),
    sourceRegion: text('source_region').notNull(),
    outcome: text('outcome', { enum: ['allow', 'deny', 'would_deny', 'approval_required'] }).notNull(),
    shadow: boolean('shadow').notNull(),
    /** RecordedRule[] */
    matchedRules: jsonb('matched_rules').notNull(),
    policyVersion: bigint('policy_version', { mode: 'number' }).notNull(),
    policyHash: text('policy_hash').notNull(),
    configVersion: bigint('config_version', { mode: 'number' }).notNull(),
    enforcerId: text('enforcer_id').notNull(),
    argumentsDigest: text('arguments_digest').notNull(),
    /** The call's arguments as parsed JSON when the tenant retains them; NULL otherwise. */
    arguments: jsonb('arguments'),
    errorCode: text('error_code').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The signed receipt as protobuf JSON. */
    receipt: jsonb('receipt').notNull(),
    /** When this control plane ingested it. */
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /**
     * The id of the transaction that inserted it (`pg_current_xact_id()`): the order of the decision
     * stream (GET /v1/decisions/stream), which reads only below the oldest transaction still running,
     * so that a row committed late is never passed over. NULL for rows from before migration 0017.
     */
    ingestXid: bigint('ingest_xid', { mode: 'bigint' }).default(sql`(pg_current_xact_id()::text::bigint)`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.decisionId] }),
    index('decision_records_tenant_time_idx').on(t.tenantId, t.decidedAt, t.decisionId),
    index('decision_records_agent_time_idx').on(t.tenantId, t.agentId, t.decidedAt),
    index('decision_records_tool_time_idx').on(t.tenantId, t.tool, t.decidedAt),
    index('decision_records_credential_time_idx').on(t.tenantId, t.credentialFingerprint, t.decidedAt),
    index('decision_records_resource_time_idx').on(t.tenantId, t.resource, t.decidedAt),
    index('decision_records_outcome_time_idx').on(t.tenantId, t.outcome, t.decidedAt),
    index('decision_records_ingest_idx').on(t.tenantId, t.ingestXid, t.decisionId),
    // The retention job finds arguments past their retention without reading every older row.
    index('decision_records_retained_arguments_idx').on(t.tenantId, t.decidedAt).where(sql`${t.arguments} IS NOT NULL`),
  ],
);

export type DecisionRecordRow = typeof decisionRecords.$inferSelect;
export type NewDecisionRecordRow = typeof decisionRecords.$inferInsert;
