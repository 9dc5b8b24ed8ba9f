import { credentialBaselines, type CredentialBaselineRow, type NewCredentialBaselineRow } from '@thoth/db';
import { and, asc, eq, sql } from 'drizzle-orm';
import { rowsOf, type TenantDatabase, type Tx } from '../../../platform/database/tenant-database.js';
import type { BaselineSubjectKind, StoredBaseline } from '../domain/baseline.js';

/** Learned baselines: written by the projection (inside the append), read by learning, the API and the snapshot builder. */
export class BaselinesRepository {
  constructor(private readonly database: TenantDatabase) {}

  /** The tenant's baselines, credentials first, each kind by subject id. */
  async list(tenantId: string, filter: { subjectKind?: BaselineSubjectKind; subjectId?: string } = {}): Promise<StoredBaseline[]> {
    const t = credentialBaselines;
    const rows = await this.database.transaction(tenantId, (tx) =>
      tx
        .select()
        .from(t)
        .where(
          and(
            eq(t.tenantId, tenantId),
            filter.subjectKind === undefined ? undefined : eq(t.subjectKind, filter.subjectKind),
            filter.subjectId === undefined ? undefined : eq(t.subjectId, filter.subjectId),
          ),
        )
        .orderBy(asc(t.subjectKind), asc(t.subjectId)),
    );
    // 'agent' < 'credential' in SQL order; credentials first reads better.
    return rows.map(storedOf).sort((a, b) => (a.subjectKind === b.subjectKind ? 0 : a.subjectKind === 'credential' ? -1 : 1));
  }

  /** Every tenant the event store knows (SECURITY DEFINER thoth_event_tenants, as the projection rebuild uses). */
  async tenants(): Promise<string[]> {
    return this.database.transaction(null, async (tx) => rowsOf<{ tenant_id: string }>(await tx.execute(sql`SELECT t AS tenant_id FROM thoth_event_tenants() AS t`)).map((r) => r.tenant_id));
  }

  static async upsert(tx: Tx, row: NewCredentialBaselineRow): Promise<void> {
    const t = credentialBaselines;
    const { tenantId: _t, subjectKind: _k, subjectId: _s, ...change } = row;
    await tx.insert(t).values(row).onConflictDoUpdate({ target: [t.tenantId, t.subjectKind, t.subjectId], set: change });
  }
}

function storedOf(row: CredentialBaselineRow): StoredBaseline {
  return {
    subjectKind: row.subjectKind,
    subjectId: row.subjectId,
    observations: row.observations,
    resourceClasses: row.resourceClasses,
    regions: row.regions,
    networks: row.networks,
    tools: row.tools,
    peakPerMinute: row.peakPerMinute,
    peakPer10Minutes: row.peakPer10Minutes,
    activeHoursUtc: row.activeHoursUtc,
    learnedFrom: row.learnedFrom,
    learnedUntil: row.learnedUntil,
    version: row.version,
  };
}
