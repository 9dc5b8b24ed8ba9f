import { Global, Module } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import type { DatabaseHandle } from '@thoth/db';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from '../config/config.js';
import { TenantDatabase } from '../platform/database/tenant-database.js';
import { CONFIG, DATABASE, LOGGER } from '../platform/tokens.js';
import { EventNotifications } from './event-notifications.js';
import { EventRecorded, EventStore } from './event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { ProjectionRebuilder } from './projection-rebuilder.js';
import { ProjectionRegistry } from './projection.js';

/**
 * The event store every bounded context appends to, with its projections, the rebuild and the
 * cross-replica notifications. Built on the platform's database (the event store imports the
 * platform, never the reverse: no folder cycle).
 */
@Global()
@Module({
  providers: [
    // A factory, not a value: each app (two replicas in one test process) gets its own registry.
    { provide: ProjectionRegistry, useFactory: () => new ProjectionRegistry() },
    {
      provide: EventStore,
      inject: [TenantDatabase, ProjectionRegistry, EventBus],
      useFactory: (db: TenantDatabase, projections: ProjectionRegistry, bus: EventBus) =>
        new PostgresEventStore(db, projections, (events) => bus.publishAll(events.map((e) => new EventRecorded(e)))),
    },
    {
      provide: ProjectionRebuilder,
      inject: [TenantDatabase, ProjectionRegistry],
      useFactory: (db: TenantDatabase, projections: ProjectionRegistry) => new ProjectionRebuilder(db, projections),
    },
    {
      provide: EventNotifications,
      inject: [DATABASE, CONFIG, LOGGER],
      useFactory: async (database: DatabaseHandle, config: ControlPlaneConfig, logger: Logger) => {
        const notifications = new EventNotifications(database, config.databaseUrl, logger);
        await notifications.start();
        return notifications;
      },
    },
  ],
  exports: [ProjectionRegistry, EventStore, ProjectionRebuilder, EventNotifications],
})
export class EventStoreModule {}
