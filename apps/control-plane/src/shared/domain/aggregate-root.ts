import type { DomainEvent, RecordedEvent } from './domain-event.js';

/**
 * Event-sourced aggregate, plain TypeScript. State changes only through `apply`; a command
 * method checks its invariants, then `raise`s events, which are applied at once and kept
 * as uncommitted until the handler appends them to the event store.
 */
export abstract class AggregateRoot<E extends DomainEvent> {
  #version = 0;
  #uncommitted: E[] = [];

  /** The stream version this instance was loaded at: the expected version of the next append. */
  get version(): number {
    return this.#version;
  }

  get uncommittedEvents(): readonly E[] {
    return this.#uncommitted;
  }

  /** Folds recorded history into state; the records are trusted (the store wrote them). */
  protected loadFrom(history: readonly RecordedEvent[]): this {
    for (const record of history) {
      this.apply({ type: record.type, schemaVersion: record.schemaVersion, payload: record.payload } as E);
      this.#version = record.version;
    }
    return this;
  }

  protected raise(event: E): void {
    this.apply(event);
    this.#uncommitted.push(event);
  }

  /** Marks the uncommitted events as appended, at the versions that follow. */
  markCommitted(): void {
    this.#version += this.#uncommitted.length;
    this.#uncommitted = [];
  }

  protected abstract apply(event: E): void;
}
