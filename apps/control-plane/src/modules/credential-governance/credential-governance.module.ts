import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { AgentsModule } from '../agents/index.js';
import { CredentialsModule } from '../credentials/index.js';
import { DECISION_INGEST_HOOKS } from '../decisions/index.js';
import { BaselinesController } from './api/baselines.controller.js';
import { CredentialInventoryController } from './api/credential-inventory.controller.js';
import { LearnBaselinesHandler } from './commands/learn-baselines/learn-baselines.handler.js';
import { CredentialUsageHook } from './ingest/credential-usage.hook.js';
import { BaselinesProjection } from './storage/baselines.projection.js';
import { BaselinesRepository } from './storage/baselines.repository.js';
import { CredentialUsageRepository } from './storage/credential-usage.repository.js';
import { ClassifyCredentialUsageHandler } from './queries/classify-credential-usage/classify-credential-usage.handler.js';
import { GetCredentialInventoryHandler } from './queries/get-credential-inventory/get-credential-inventory.handler.js';
import { ListBaselinesHandler } from './queries/list-baselines/list-baselines.handler.js';
import { BaselineScheduler, TrialEndedBaselineTrigger } from './scheduler/baseline-scheduler.js';

/**
 * Credential governance from traffic (issue 9): the credential inventory, kept current from
 * the decision stream by an ingest hook, and baselines per credential and per agent, learned
 * from recorded decisions and shipped to enforcers for the policy's drift checks.
 */
@Module({
  imports: [CredentialsModule, AgentsModule],
  controllers: [CredentialInventoryController, BaselinesController],
  providers: [
    { provide: CredentialUsageRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new CredentialUsageRepository(db) },
    { provide: BaselinesRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new BaselinesRepository(db) },
    CredentialUsageHook,
    { provide: DECISION_INGEST_HOOKS, useExisting: CredentialUsageHook },
    BaselinesProjection,
    LearnBaselinesHandler,
    GetCredentialInventoryHandler,
    ClassifyCredentialUsageHandler,
    ListBaselinesHandler,
    BaselineScheduler,
    TrialEndedBaselineTrigger,
  ],
  exports: [BaselinesRepository, BaselineScheduler],
})
export class CredentialGovernanceModule {}
