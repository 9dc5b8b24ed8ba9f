import { events, type EventRow } from '@thoth/db';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { DomainEvent, EventMetadata, RecordedEvent } from '../shared/domain/domain-event.js';
import { rowsOf, type TenantDatabase, type Tx } from '../platform/database/tenant-database.js';
import { ConcurrencyError } from './concurrency.error.js';
import { EventStore, type AppendRequest } from './event-store.js';
import type { ProjectionRegistry } from './projection.js';

const STREAM_VERSION_KEY = 'events_stream_version_key';
/** Advisory-lock class of a tenant's event stream (the object id is hashtext(tenant id)). */
export const TENANT_LOCK_CLASS = 0x7407;

/** Publishes committed events in process (the cqrs EventBus in the app, a spy in tests). */
export type PublishCommitted = (events: readonly RecordedEvent[]) => void;

export class PostgresEventStore extends EventStore {
  constructor(
    private readonly database: TenantDatabase,
    private readonly projections: ProjectionRegistry,
    private readonly publish: PublishCommitted,
  ) {
    super();
  }

  async append(request: AppendRequest): Promise<RecordedEvent[]> {
    if (request.events.length === 0) return [];
    const recorded = await this.database.transaction(request.tenantId, async (tx) => {
      const records = await appendInTransaction(tx, request);
      await this.projections.apply(tx, records);
      return records;
    });
    // Durable first (docs/architecture.md, "Conventions"), then in process; other replicas hear of it through NOTIFY.
    this.publish(recorded);
    return recorded;
  }

  async load(tenantId: string, streamId: string): Promise<RecordedEvent[]> {
    return this.database.transaction(tenantId, (tx) => loadStream(tx, streamId));
  }

  async read(tenantId: string, options: { after?: bigint; limit: number }): Promise<RecordedEvent[]> {
    return this.database.transaction(tenantId, async (tx) => {
      // RLS already limits the rows to the tenant; the filter lets the planner use its index.
      const rows = await tx
        .select()
        .from(events)
        .where(and(eq(events.tenantId, tenantId), gt(events.position, options.after ?? 0n)))
        .orderBy(asc(events.position))
        .limit(options.limit);
      return rows.map(toRecorded);
    });
  }
}

export async function appendInTransaction(tx: Tx, request: AppendRequest): Promise<RecordedEvent[]> {
  const { tenantId, streamId, expectedVersion, metadata } = request;
  // One append of a tenant at a time (and none during a rebuild of it): positions are taken
  // inside the lock, so a tenant's events commit in position order and whoever reads "after
  // position p" (snapshot versions, other replicas) never sees an earlier one land later.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${TENANT_LOCK_CLASS}, hashtext(${tenantId}))`);
  const [current] = rowsOf<{ version: number }>(
    await tx.execute(sql`SELECT coalesce(max(version), 0)::int AS version FROM events WHERE stream_id = ${streamId}`),
  );
  const actual = current?.version ?? 0;
  if (actual !== expectedVersion) throw new ConcurrencyError(streamId, expectedVersion, actual);
  try {
    const rows = await tx
      .insert(events)
      .values(
        request.events.map((event: DomainEvent, i) => ({
          tenantId,
          streamId,
          version: expectedVersion + i + 1,
          type: event.type,
          schemaVersion: event.schemaVersion,
          payload: event.payload,
          metadata,
        })),
      )
      .returning();
    return rows.sort((a, b) => a.version - b.version).map(toRecorded);
  } catch (error) {
    // A concurrent writer committed the same version after our read: the unique index decides.
    if (violates(error, STREAM_VERSION_KEY)) throw new ConcurrencyError(streamId, expectedVersion, undefined);
    throw error;
  }
}

export async function loadStream(tx: Tx, streamId: string): Promise<RecordedEvent[]> {
  const rows = await tx.select().from(events).where(eq(events.streamId, streamId)).orderBy(asc(events.version));
  return rows.map(toRecorded);
}

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: row.position,
    tenantId: row.tenantId,
    streamId: row.streamId,
    version: row.version,
    type: row.type,
    schemaVersion: row.schemaVersion,
    payload: row.payload,
    metadata: row.metadata as EventMetadata,
    recordedAt: row.recordedAt,
  };
}

function violates(error: unknown, constraint: string): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const pg = e as { code?: string; constraint?: string; message?: string };
    if (pg.code === '23505' && (pg.constraint === constraint || pg.message?.includes(constraint))) return true;
  }
  return false;
}
