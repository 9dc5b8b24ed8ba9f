import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EventStore } from '../../../../event-store/event-store.js';
import { type AuditPage, ListAuditEventsQuery } from './list-audit-events.query.js';

/** The audit trail is the event store itself, read under the tenant. */
@QueryHandler(ListAuditEventsQuery)
export class ListAuditEventsHandler implements IQueryHandler<ListAuditEventsQuery> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ tenantId, after, limit }: ListAuditEventsQuery): Promise<AuditPage> {
    const events = await this.store.read(tenantId, { after, limit: limit + 1 });
    const page = events.slice(0, limit);
    return {
      items: page.map((e) => ({
        position: e.position.toString(),
        recordedAt: e.recordedAt.toISOString(),
        actor: e.metadata.actor,
        requestId: e.metadata.requestId,
        type: e.type,
        streamId: e.streamId,
        version: e.version,
      })),
      next: events.length > limit ? (page.at(-1)?.position.toString() ?? null) : null,
    };
  }
}
