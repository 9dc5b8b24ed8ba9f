import type { RecordedEvent } from '../shared/domain/domain-event.js';
import { ConcurrencyError } from './concurrency.error.js';
import { EventStore, type AppendRequest } from './event-store.js';

/** For handler unit tests: the same contract as the Postgres store, without projections. */
export class InMemoryEventStore extends EventStore {
  readonly recorded: RecordedEvent[] = [];

  async append(request: AppendRequest): Promise<RecordedEvent[]> {
    const stream = this.recorded.filter((e) => e.streamId === request.streamId);
    if (stream.length !== request.expectedVersion) {
      throw new ConcurrencyError(request.streamId, request.expectedVersion, stream.length);
    }
    const now = new Date();
    const records = request.events.map(
      (event, i): RecordedEvent => ({
        position: BigInt(this.recorded.length + i + 1),
        tenantId: request.tenantId,
        streamId: request.streamId,
        version: request.expectedVersion + i + 1,
        type: event.type,
        schemaVersion: event.schemaVersion,
        payload: event.payload,
        metadata: request.metadata,
        recordedAt: now,
      }),
    );
    this.recorded.push(...records);
    return records;
  }

  async load(tenantId: string, streamId: string): Promise<RecordedEvent[]> {
    return this.recorded.filter((e) => e.tenantId === tenantId && e.streamId === streamId);
  }

  async read(tenantId: string, options: { after?: bigint; limit: number }): Promise<RecordedEvent[]> {
    return this.recorded.filter((e) => e.tenantId === tenantId && e.position > (options.after ?? 0n)).slice(0, options.limit);
  }
}
