import type { DomainEvent, EventMetadata, RecordedEvent } from './domain-event.js';

/** Shared by the aggregate tests: where their events are said to have been recorded. */
export interface TestStream {
  readonly tenantId: string;
  readonly streamId: string;
  readonly recordedAt: Date;
  readonly metadata?: EventMetadata;
}

/**
 * Events as the store would hand them back after `after` earlier ones: numbered on, payloads
 * copied, so that the loaded aggregate shares nothing with the one that raised them.
 */
export function recordedEvents(events: readonly DomainEvent[], stream: TestStream, after = 0): RecordedEvent[] {
  return events.map((e, i) => ({
    position: BigInt(after + i + 1),
    tenantId: stream.tenantId,
    streamId: stream.streamId,
    version: after + i + 1,
    type: e.type,
    schemaVersion: e.schemaVersion,
    payload: structuredClone(e.payload),
    metadata: stream.metadata ?? { actor: 'test', requestId: 'req-1' },
    recordedAt: stream.recordedAt,
  }));
}

/** The error of class `type` that `fn` throws, undefined when it throws none; any other error is rethrown. */
export function thrownBy<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  return undefined;
}
