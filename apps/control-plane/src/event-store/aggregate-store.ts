import type { AggregateRoot } from '../shared/domain/aggregate-root.js';
import type { DomainEvent, RecordedEvent } from '../shared/domain/domain-event.js';
import type { Caller } from '../platform/caller.js';
import { metadataOf } from '../platform/caller.js';
import { ConcurrencyError } from './concurrency.error.js';
import type { EventStore } from './event-store.js';

/**
 * Loads an aggregate from its stream. `expectedVersion` (from If-Match) must equal the stream's
 * version, or the caller acted on a stale read: ConcurrencyError (409).
 */
export async function loadAggregate<A extends AggregateRoot<DomainEvent>>(
  store: EventStore,
  caller: Caller,
  streamId: string,
  fromHistory: (history: readonly RecordedEvent[]) => A,
  expectedVersion?: number,
): Promise<A> {
  const aggregate = fromHistory(await store.load(caller.tenantId, streamId));
  if (expectedVersion !== undefined && expectedVersion !== aggregate.version) {
    throw new ConcurrencyError(streamId, expectedVersion, aggregate.version);
  }
  return aggregate;
}

/** Appends the aggregate's uncommitted events at the version it was loaded at (with projections, then publish). */
export async function saveAggregate(
  store: EventStore,
  caller: Caller,
  streamId: string,
  aggregate: AggregateRoot<DomainEvent>,
): Promise<RecordedEvent[]> {
  const recorded = await store.append({
    tenantId: caller.tenantId,
    streamId,
    expectedVersion: aggregate.version,
    events: aggregate.uncommittedEvents,
    metadata: metadataOf(caller),
  });
  aggregate.markCommitted();
  return recorded;
}
