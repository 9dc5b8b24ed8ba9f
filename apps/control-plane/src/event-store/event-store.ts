import type { DomainEvent, EventMetadata, RecordedEvent } from '../shared/domain/domain-event.js';

export interface AppendRequest {
  tenantId: string;
  streamId: string;
  /** The version the aggregate was loaded at (0 for a new stream). */
  expectedVersion: number;
  events: readonly DomainEvent[];
  metadata: EventMetadata;
}

/**
 * The port command handlers see. `append` is atomic with the projections: the events and
 * every read-model change they cause commit together or not at all, and only then are the
 * events published in process. A stale `expectedVersion` throws ConcurrencyError.
 */
export abstract class EventStore {
  abstract append(request: AppendRequest): Promise<RecordedEvent[]>;
  /** The stream's events in version order; empty when it does not exist for this tenant. */
  abstract load(tenantId: string, streamId: string): Promise<RecordedEvent[]>;
  /** The tenant's events after `after` (a position), oldest first: the audit trail, catching up. */
  abstract read(tenantId: string, options: { after?: bigint; limit: number }): Promise<RecordedEvent[]>;
}

/** What the in-process @nestjs/cqrs EventBus carries: `@EventsHandler(EventRecorded)`, then switch on `record.type`. */
export class EventRecorded {
  constructor(readonly record: RecordedEvent) {}
}
