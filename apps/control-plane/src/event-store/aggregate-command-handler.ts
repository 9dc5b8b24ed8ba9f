import { Inject } from '@nestjs/common';
import type { Caller } from '../platform/caller.js';
import { Clock } from '../platform/clock/clock.js';
import type { AggregateRoot } from '../shared/domain/aggregate-root.js';
import type { DomainEvent, RecordedEvent } from '../shared/domain/domain-event.js';
import { loadAggregate, saveAggregate } from './aggregate-store.js';
import { EventStore } from './event-store.js';

/**
 * What most command handlers are: load one aggregate, let it act, append what it raised.
 * Subclasses inherit the constructor (the event store and the clock) and say only what
 * the act is.
 */
export abstract class AggregateCommandHandler {
  constructor(
    @Inject(EventStore) protected readonly store: EventStore,
    @Inject(Clock) protected readonly clock: Clock,
  ) {}

  /**
   * Loads the aggregate of `streamId` (at `expectedVersion`, from If-Match, when given), runs
   * `act` on it at the clock's now and appends the events it raised, if any.
   */
  protected async change<A extends AggregateRoot<DomainEvent>, R>(
    caller: Caller,
    streamId: string,
    fromHistory: (history: readonly RecordedEvent[]) => A,
    expectedVersion: number | undefined,
    act: (aggregate: A, now: Date) => R | Promise<R>,
  ): Promise<R> {
    const aggregate = await loadAggregate(this.store, caller, streamId, fromHistory, expectedVersion);
    const result = await act(aggregate, this.clock.now());
    if (aggregate.uncommittedEvents.length > 0) await saveAggregate(this.store, caller, streamId, aggregate);
    return result;
  }
}
