import { approvalRequests, type ApprovalRequestRow, type NewApprovalRequestRow } from '@thoth/db';
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Tx, type TenantDatabase } from '../../../platform/database/tenant-database.js';
import type { RecordedRule } from '../../decisions/index.js';
import type { ApprovalBinding, ApprovalRequest, ApprovalStatus } from '../domain/approval-request.js';

/** Where a page of requests ends: the last one's (requested_at, id), newest first. */
export interface ApprovalPosition {
  readonly requestedAt: Date;
  readonly id: string;
}

export interface ConsumeInput extends ApprovalBinding {
  readonly tenantId: string;
  readonly requestId: string;
  readonly decisionId: string;
  readonly now: Date;
}

/** The decision of a request as the projection writes it. */
export interface DecidedInput {
  readonly tenantId: string;
  readonly requestId: string;
  readonly state: 'approved' | 'rejected';
  readonly decidedBy: string;
  readonly decidedAt: Date;
  readonly comment: string;
  readonly decisionEvent: Uint8Array;
}

/**
 * Approval requests in Postgres (approval_requests), each call in its tenant's transaction under
 * its RLS: the ingest hook and the projection write with the static methods in the transaction
 * they are given.
 */
export class ApprovalRequestsRepository {
  constructor(private readonly database: TenantDatabase) {}

  /** New requests (a redelivered one is a no-op: the first is kept). */
  static async insertNew(tx: Tx, rows: readonly NewApprovalRequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.insert(approvalRequests).values([...rows]).onConflictDoNothing({ target: [approvalRequests.tenantId, approvalRequests.id] });
  }

  /** Only a pending request is decided: replaying the event (a rebuild) changes nothing. */
  static async decided(tx: Tx, input: DecidedInput): Promise<void> {
    await tx
      .update(approvalRequests)
      .set({ state: input.state, decidedBy: input.decidedBy, decidedAt: input.decidedAt, comment: input.comment, decisionEvent: Buffer.from(input.decisionEvent) })
      .where(and(eq(approvalRequests.tenantId, input.tenantId), eq(approvalRequests.id, input.requestId), eq(approvalRequests.state, 'pending')));
  }

  /** Every tenant the event store knows (the SECURITY DEFINER listing other sweeps use). */
  tenants(): Promise<string[]> {
    return this.database.transaction(null, async (tx) => rowsOf<{ tenant_id: string }>(await tx.execute(sql`SELECT t AS tenant_id FROM thoth_event_tenants() AS t`)).map((r) => r.tenant_id));
  }

  /** The tenant's signed decisions not yet handed to the decision stream, oldest first. */
  unpublished(tenantId: string, limit: number): Promise<Array<{ id: string; event: Uint8Array }>> {
    const r = approvalRequests;
    return this.database.transaction(tenantId, async (tx) => {
      const rows = await tx
        .select({ id: r.id, event: r.decisionEvent })
        .from(r)
        .where(and(eq(r.tenantId, tenantId), isNotNull(r.decisionEvent), isNull(r.publishedAt)))
        .orderBy(asc(r.decidedAt), asc(r.id))
        .limit(limit);
      return rows.flatMap((row) => (row.event ? [{ id: row.id, event: new Uint8Array(row.event) }] : []));
    });
  }

  async markPublished(tenantId: string, ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    const r = approvalRequests;
    await this.database.transaction(tenantId, (tx) => tx.update(r).set({ publishedAt: at }).where(and(eq(r.tenantId, tenantId), inArray(r.id, [...ids]), isNull(r.publishedAt))));
  }

  find(tenantId: string, id: string): Promise<ApprovalRequest | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(approvalRequests).where(and(eq(approvalRequests.tenantId, tenantId), eq(approvalRequests.id, id)));
      return row === undefined ? undefined : requestOf(row);
    });
  }

  /** Newest first, by status as of `now`. */
  page(tenantId: string, options: { status?: ApprovalStatus; after?: ApprovalPosition; limit: number; now: Date }): Promise<ApprovalRequest[]> {
    const r = approvalRequests;
    return this.database.transaction(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(r)
        .where(
          and(
            eq(r.tenantId, tenantId),
            options.status === undefined ? undefined : statusIs(options.status, options.now),
            options.after === undefined ? undefined : or(lt(r.requestedAt, options.after.requestedAt), and(eq(r.requestedAt, options.after.requestedAt), lt(r.id, options.after.id))),
          ),
        )
        .orderBy(desc(r.requestedAt), desc(r.id))
        .limit(options.limit);
      return rows.map(requestOf);
    });
  }

  /**
   * Uses an approved request for one call, in one statement: of any number of callers at once,
   * the row's lock lets exactly one see it approved and unused and set used_by_decision; the
   * others re-check the updated row, and it no longer matches. Every binding field is compared
   * in the WHERE, so a call differing in any is never let through. Returns the request as
   * updated, or as it stands when nothing was updated (undefined: no such request of this tenant).
   */
  consume(input: ConsumeInput): Promise<{ used: boolean; request: ApprovalRequest | undefined }> {
    const r = approvalRequests;
    return this.database.transaction(input.tenantId, async (tx) => {
      const [used] = await tx
        .update(r)
        .set({ usedByDecision: input.decisionId, usedAt: input.now })
        .where(
          and(
            eq(r.tenantId, input.tenantId),
            eq(r.id, input.requestId),
            eq(r.agentId, input.agentId),
            eq(r.tool, input.tool),
            eq(r.argumentsDigest, input.argumentsDigest),
            eq(r.resource, input.resource),
            eq(r.credentialFingerprint, input.credentialFingerprint),
            eq(r.state, 'approved'),
            isNull(r.usedByDecision),
            gt(r.expiresAt, input.now),
          ),
        )
        .returning();
      if (used) return { used: true, request: requestOf(used) };
      const [row] = await tx.select().from(r).where(and(eq(r.tenantId, input.tenantId), eq(r.id, input.requestId)));
      return { used: false, request: row === undefined ? undefined : requestOf(row) };
    });
  }
}

function statusIs(status: ApprovalStatus, now: Date): SQL | undefined {
  const r = approvalRequests;
  switch (status) {
    case 'used':
      return isNotNull(r.usedByDecision);
    case 'rejected':
      return eq(r.state, 'rejected');
    case 'expired':
      return and(isNull(r.usedByDecision), sql`${r.state} <> 'rejected'`, lte(r.expiresAt, now));
    case 'pending':
    case 'approved':
      return and(isNull(r.usedByDecision), eq(r.state, status), gt(r.expiresAt, now));
  }
}

function requestOf(row: ApprovalRequestRow): ApprovalRequest {
  return {
    tenantId: row.tenantId,
    id: row.id,
    agentId: row.agentId,
    tool: row.tool,
    argumentsDigest: row.argumentsDigest,
    resource: row.resource,
    credentialFingerprint: row.credentialFingerprint,
    arguments: row.arguments === null ? undefined : row.arguments,
    ruleIds: row.ruleIds,
    matchedRules: row.matchedRules as RecordedRule[],
    enforcerId: row.enforcerId,
    policyVersion: row.policyVersion,
    policyHash: row.policyHash,
    configVersion: row.configVersion,
    requestedAt: row.requestedAt,
    expiresAt: row.expiresAt,
    state: row.state,
    decidedBy: row.decidedBy ?? undefined,
    decidedAt: row.decidedAt ?? undefined,
    comment: row.comment ?? undefined,
    usedByDecision: row.usedByDecision ?? undefined,
    usedAt: row.usedAt ?? undefined,
  };
}
