import { decisionRecords, tenants, type DecisionRecordRow, type NewDecisionRecordRow } from '@thoth/db';
import { and, asc, desc, eq, gt, gte, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type TenantDatabase, type Tx } from '../../../platform/database/tenant-database.js';
import type { DecisionOutcome, DecisionRecord, RecordedRule } from '../domain/decision-record.js';

/** Exact-match filters over the decision read model; all optional, combined with AND. */
export interface DecisionFilters {
  readonly agentId?: string;
  readonly tool?: string;
  readonly credentialFingerprint?: string;
  readonly resource?: string;
  readonly outcome?: DecisionOutcome;
}

/** A position in (decided_at, decision_id) order: the last record of the previous page. */
export interface DecisionPosition {
  readonly decidedAt: Date;
  readonly decisionId: string;
}

/**
 * A position in the decision stream's order: the id of the transaction that inserted a record
 * (`ingest_xid`), then its decision id.
 */
export interface IngestPosition {
  readonly xid: bigint;
  readonly decisionId: string;
}

/** The oldest transaction still running: every record inserted below it is committed, or never will be. */
const HORIZON = sql`(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)`;

export interface DecisionWindow {
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  readonly filters?: DecisionFilters;
}

// 23 parameters a row: well under Postgres's 65,535 per statement.
const INSERT_CHUNK = 1000;

/**
 * The decision read model. Readers (the API, the shadow report, replay, inventory, baselines)
 * use the instance methods, each in its own tenant transaction; ingestion writes with the static
 * ones inside its transaction.
 */
export class DecisionRecordsRepository {
  constructor(private readonly database: TenantDatabase) {}

  /**
   * The tenant's decisions decided in [from, to), oldest first (decided_at, then decision_id).
   * `after` and `limit` read a large window in pieces: pass the last record of one piece as
   * `after` of the next.
   */
  async inWindow(tenantId: string, window: DecisionWindow & { after?: DecisionPosition; limit?: number } = {}): Promise<DecisionRecord[]> {
    return this.database.transaction(tenantId, async (tx) => {
      const query = tx
        .select()
        .from(decisionRecords)
        .where(and(...conditions(window), window.after ? after(window.after, 'asc') : undefined))
        .orderBy(asc(decisionRecords.decidedAt), asc(decisionRecords.decisionId));
      const rows = window.limit === undefined ? await query : await query.limit(window.limit);
      return rows.map(recordOf);
    });
  }

  /**
   * The tenant's decisions in the order they were ingested (the inserting transaction's id), after
   * `after`, and only those inserted below the oldest transaction still running: a record whose
   * transaction commits later than a newer one's is read after it commits, in its own place, never
   * passed over — whatever its decided_at, however late its partition.
   */
  async ingestedAfter(
    tenantId: string,
    options: { readonly after: IngestPosition; readonly filters?: DecisionFilters; readonly limit: number },
  ): Promise<Array<{ readonly record: DecisionRecord; readonly position: IngestPosition }>> {
    const c = decisionRecords;
    const { after, limit } = options;
    return this.database.transaction(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(c)
        .where(
          and(
            ...conditions({ ...(options.filters ? { filters: options.filters } : {}) }),
            isNotNull(c.ingestXid),
            lt(c.ingestXid, HORIZON),
            or(gt(c.ingestXid, after.xid), and(eq(c.ingestXid, after.xid), gt(c.decisionId, after.decisionId))),
          ),
        )
        .orderBy(asc(c.ingestXid), asc(c.decisionId))
        .limit(limit);
      return rows.map((row) => ({ record: recordOf(row), position: { xid: row.ingestXid!, decisionId: row.decisionId } }));
    });
  }

  /** Where a stream of what is ingested from now on starts: at the oldest transaction still running. */
  async ingestHorizon(tenantId: string): Promise<IngestPosition> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = rowsOf<{ xid: string }>(await tx.execute(sql`SELECT ${HORIZON}::text AS xid`));
      return { xid: BigInt(row!.xid), decisionId: '' };
    });
  }

  /** A page of the tenant's decisions, newest first, after a position of the previous page. */
  async page(tenantId: string, window: DecisionWindow & { after?: DecisionPosition; limit: number }): Promise<DecisionRecord[]> {
    return this.database.transaction(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(decisionRecords)
        .where(and(...conditions(window), window.after ? after(window.after, 'desc') : undefined))
        .orderBy(desc(decisionRecords.decidedAt), desc(decisionRecords.decisionId))
        .limit(window.limit);
      return rows.map(recordOf);
    });
  }

  async find(tenantId: string, decisionId: string): Promise<DecisionRecord | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(decisionRecords)
        .where(and(eq(decisionRecords.tenantId, tenantId), eq(decisionRecords.decisionId, decisionId)));
      return row === undefined ? undefined : recordOf(row);
    });
  }

  /** Inserts what is not there yet (by tenant and decision id) and returns exactly those records. */
  static async insertNew(tx: Tx, records: readonly DecisionRecord[]): Promise<DecisionRecord[]> {
    const inserted: DecisionRecord[] = [];
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      const chunk = records.slice(i, i + INSERT_CHUNK);
      const rows = await tx
        .insert(decisionRecords)
        .values(chunk.map(rowOf))
        .onConflictDoNothing({ target: [decisionRecords.tenantId, decisionRecords.decisionId] })
        .returning({ decisionId: decisionRecords.decisionId });
      const fresh = new Set(rows.map((r) => r.decisionId));
      inserted.push(...chunk.filter((r) => fresh.has(r.decisionId)));
    }
    return inserted;
  }

  /** Whether the transaction's tenant exists (the tenants row is visible under its RLS). */
  static async tenantExists(tx: Tx, tenantId: string): Promise<boolean> {
    const rows = await tx.select({ tenantId: tenants.tenantId }).from(tenants).where(eq(tenants.tenantId, tenantId));
    return rows.length > 0;
  }
}

function conditions({ from, to, filters = {} }: DecisionWindow): Array<SQL | undefined> {
  const c = decisionRecords;
  return [
    from ? gte(c.decidedAt, from) : undefined,
    to ? lt(c.decidedAt, to) : undefined,
    filters.agentId !== undefined ? eq(c.agentId, filters.agentId) : undefined,
    filters.tool !== undefined ? eq(c.tool, filters.tool) : undefined,
    filters.credentialFingerprint !== undefined ? eq(c.credentialFingerprint, filters.credentialFingerprint) : undefined,
    filters.resource !== undefined ? eq(c.resource, filters.resource) : undefined,
    filters.outcome !== undefined ? eq(c.outcome, filters.outcome) : undefined,
  ];
}

/** Strictly past `position` in the given order of (decided_at, decision_id). */
function after(position: DecisionPosition, order: 'asc' | 'desc'): SQL | undefined {
  const c = decisionRecords;
  const beyond = order === 'asc' ? gt : lt;
  return or(beyond(c.decidedAt, position.decidedAt), and(eq(c.decidedAt, position.decidedAt), beyond(c.decisionId, position.decisionId)));
}

function rowOf(r: DecisionRecord): NewDecisionRecordRow {
  return {
    tenantId: r.tenantId,
    decisionId: r.decisionId,
    requestId: r.requestId,
    agentId: r.agentId,
    tool: r.tool,
    resource: r.resource,
    credentialFingerprint: r.credentialFingerprint,
    sourceIp: r.sourceIp,
    sourceRegion: r.sourceRegion,
    outcome: r.outcome,
    shadow: r.shadow,
    matchedRules: r.matchedRules,
    policyVersion: r.policyVersion,
    policyHash: r.policyHash,
    configVersion: r.configVersion,
    enforcerId: r.enforcerId,
    argumentsDigest: r.argumentsDigest,
    arguments: r.arguments === undefined ? null : r.arguments,
    errorCode: r.errorCode,
    requestedAt: r.requestedAt,
    decidedAt: r.decidedAt,
    receipt: r.receipt,
  };
}

function recordOf(row: DecisionRecordRow): DecisionRecord {
  return {
    tenantId: row.tenantId,
    decisionId: row.decisionId,
    requestId: row.requestId,
    agentId: row.agentId,
    tool: row.tool,
    resource: row.resource,
    credentialFingerprint: row.credentialFingerprint,
    sourceIp: row.sourceIp,
    sourceRegion: row.sourceRegion,
    outcome: row.outcome,
    shadow: row.shadow,
    matchedRules: row.matchedRules as RecordedRule[],
    policyVersion: row.policyVersion,
    policyHash: row.policyHash,
    configVersion: row.configVersion,
    enforcerId: row.enforcerId,
    argumentsDigest: row.argumentsDigest,
    arguments: row.arguments === null ? undefined : row.arguments,
    errorCode: row.errorCode,
    requestedAt: row.requestedAt,
    decidedAt: row.decidedAt,
    receipt: row.receipt,
  };
}
