import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { DecisionsController } from './api/decisions.controller.js';
import { DecisionIngestion, DECISIONS_OPTIONS, type DecisionsOptions } from './ingest/decision-ingestion.js';
import { GetDecisionHandler } from './queries/get-decision/get-decision.handler.js';
import { ListDecisionsHandler } from './queries/list-decisions/list-decisions.handler.js';
import { RetentionJob } from './retention/retention-job.js';
import { DecisionRecordsRepository } from './storage/decision-records.repository.js';
import { DecisionRetentionRepository } from './storage/decision-retention.repository.js';
import { DecisionFeed } from './stream/decision-feed.js';

/**
 * The decision read model: ingestion from the decision stream (with the ingest hooks other
 * modules add), the repository readers use, and the decisions API (search, and the stream of
 * decisions as they are ingested), and the retention job that keeps each tenant's decisions within
 * its retention (docs/retention.md).
 */
@Module({})
export class DecisionsModule {
  static forRoot(options: DecisionsOptions): DynamicModule {
    return {
      module: DecisionsModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: [DecisionsController],
      providers: [
        { provide: DECISIONS_OPTIONS, useValue: options },
        { provide: DecisionRecordsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new DecisionRecordsRepository(db) },
        { provide: DecisionRetentionRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new DecisionRetentionRepository(db) },
        DecisionIngestion,
        RetentionJob,
        ListDecisionsHandler,
        GetDecisionHandler,
        DecisionFeed,
      ],
      exports: [DecisionRecordsRepository, DecisionIngestion],
    };
  }
}
