import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea } from '../ledger/entries.table.js';

/**
 * Approval requests (docs/approvals.md): one row per verified KIND_REQUESTED decision of the
 * decision stream (its decision id is the request's id), inserted once by the decision ingest
 * hook; a person's approval or rejection (approval.approved / approval.rejected in the event
 * store) sets `state` and `decided_*`; ConsumeApproval sets `used_*` in one atomic UPDATE.
 */
export const approvalRequests = pgTable(
  'approval_requests',
  {
    tenantId: uuid('tenant_id').notNull(),
    /** The request decision's id (DecisionEvent.decision_id of KIND_REQUESTED). */
    id: text('id').notNull(),
    agentId: text('agent_id').notNull(),
    tool: text('tool').notNull(),
    argumentsDigest: text('arguments_digest').notNull(),
    resource: text('resource').notNull(),
    credentialFingerprint: text('credential_fingerprint').notNull(),
    /** The call's arguments as retained on the request event (parsed JSON); NULL when not JSON. */
    arguments: jsonb('arguments'),
    /** The ids of the policy elements that asked for approval (ApprovalStep.rule_ids). */
    ruleIds: jsonb('rule_ids').$type<string[]>().notNull(),
    /** The request decision's matched rules: RecordedRule[] (their reasons). */
    matchedRules: jsonb('matched_rules').notNull(),
    enforcerId: text('enforcer_id').notNull(),
    /** The request decision's policy and config: the approval's own decision names them too. */
    policyVersion: bigint('policy_version', { mode: 'number' }).notNull(),
    policyHash: text('policy_hash').notNull(),
    configVersion: bigint('config_version', { mode: 'number' }).notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    state: text('state', { enum: ['pending', 'approved', 'rejected'] }).notNull().default('pending'),
    /** `key:<api key id>` of the approver. */
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    comment: text('comment'),
    /** The control plane's signed decision of the approval or rejection (DecisionEvent, protobuf binary). */
    decisionEvent: bytea('decision_event'),
    /** When that decision was handed to the decision stream (NULL: not yet; the outbox publishes it). */
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    /** The enforcer decision that used the approval (ConsumeApproval), and when. */
    usedByDecision: text('used_by_decision'),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    /** When this control plane ingested the request. */
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('approval_requests_state_idx').on(t.tenantId, t.state, t.requestedAt, t.id),
    index('approval_requests_time_idx').on(t.tenantId, t.requestedAt, t.id),
    index('approval_requests_unpublished_idx').on(t.tenantId).where(sql`${t.decisionEvent} IS NOT NULL AND ${t.publishedAt} IS NULL`),
  ],
);

export type ApprovalRequestRow = typeof approvalRequests.$inferSelect;
export type NewApprovalRequestRow = typeof approvalRequests.$inferInsert;

