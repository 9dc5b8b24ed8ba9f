import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { ClaimTrialReportHandler } from './commands/claim-trial-report/claim-trial-report.handler.js';
import { RecordTrialReportHandler } from './commands/record-trial-report/record-trial-report.handler.js';
import { TrialsProjection } from './storage/trials.projection.js';
import { TrialsRepository } from './storage/trials.repository.js';
import { TrialScheduler } from './scheduler/trial-scheduler.js';

/** The seven-day shadow trial after sign-up: its end, recorded once, and the day-seven report. */
@Module({
  providers: [
    { provide: TrialsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new TrialsRepository(db) },
    TrialsProjection,
    ClaimTrialReportHandler,
    RecordTrialReportHandler,
    TrialScheduler,
  ],
  exports: [TrialsRepository, TrialScheduler],
})
export class TrialModule {}
