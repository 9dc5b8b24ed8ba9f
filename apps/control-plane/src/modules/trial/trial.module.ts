import { Global, Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { TrialProgress } from '../tenants/index.js';
import { ClaimTrialReportHandler } from './commands/claim-trial-report/claim-trial-report.handler.js';
import { RecordTrialReportHandler } from './commands/record-trial-report/record-trial-report.handler.js';
import { TrialsProjection } from './storage/trials.projection.js';
import { TrialsRepository } from './storage/trials.repository.js';
import { TrialScheduler } from './scheduler/trial-scheduler.js';
import { TrialReportOutcomes } from './scheduler/trial-report-outcomes.js';

/**
 * The seven-day shadow trial after sign-up: its end, recorded once, and the day-seven report
 * (announced with trial.ended, produced by the shadow-report context). Global: it provides
 * tenants' TrialProgress port (GET /v1/tenant), and tenants may not import trial.
 */
@Global()
@Module({
  providers: [
    { provide: TrialsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new TrialsRepository(db) },
    TrialsProjection,
    ClaimTrialReportHandler,
    RecordTrialReportHandler,
    TrialScheduler,
    TrialReportOutcomes,
    { provide: TrialProgress, useExisting: TrialsRepository },
  ],
  exports: [TrialsRepository, TrialScheduler, TrialProgress],
})
export class TrialModule {}
