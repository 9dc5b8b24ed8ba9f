import type { PgTable } from 'drizzle-orm/pg-core';
import type { DomainEvent, RecordedEvent } from '../shared/domain/domain-event.js';
import type { Tx } from '../platform/database/tenant-database.js';

/**
 * A read model kept by folding events, inside the append transaction. `apply` must depend on
 * the event alone (its payload, recordedAt, version) so that a rebuild reproduces the rows.
 */
export interface Projection {
  readonly name: string;
  /** The read tables it owns: a rebuild empties them (the tenant's rows) before replaying. */
  readonly tables: readonly PgTable[];
  apply(tx: Tx, event: RecordedEvent): Promise<void>;
}

/** Projections register here from their constructors; the event store applies them all. */
export class ProjectionRegistry {
  readonly #projections: Projection[] = [];

  register(projection: Projection): void {
    if (this.#projections.some((p) => p.name === projection.name)) return;
    this.#projections.push(projection);
  }

  get projections(): readonly Projection[] {
    return this.#projections;
  }

  async apply(tx: Tx, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      for (const projection of this.#projections) await projection.apply(tx, event);
    }
  }
}

/** What every read row keeps of the event that last wrote it. */
export interface RowStamp {
  readonly version: number;
  readonly updatedAt: Date;
}

/**
 * A projection of one kind of aggregate: it registers itself, and folds only the events whose
 * type names start with `eventPrefix`, each typed as E, with the stamp its rows keep.
 */
export abstract class AggregateProjection<E extends DomainEvent> implements Projection {
  protected constructor(
    registry: ProjectionRegistry,
    readonly name: string,
    readonly tables: readonly PgTable[],
    private readonly eventPrefix: string,
  ) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (!record.type.startsWith(this.eventPrefix)) return;
    await this.fold(tx, { type: record.type, payload: record.payload } as E, { version: record.version, updatedAt: record.recordedAt }, record);
  }

  protected abstract fold(tx: Tx, event: E, stamp: RowStamp, record: RecordedEvent): Promise<void>;
}
