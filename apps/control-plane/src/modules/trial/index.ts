// The trial module's offer to the others: its module, its read model, the scheduler (tests drive
// runDue()), its commands and events, and what answers its day-seven announcement: trial.ended /
// trial.report_retried on the EventBus is answered by RecordTrialReportCommand (the report over
// trialWindow, by TRIAL_SCHEDULER) or by TrialReportFailed.
export { TrialModule } from './trial.module.js';
export { TrialsRepository } from './storage/trials.repository.js';
export { TrialScheduler, REPORT_LEASE_MS, type TrialRun } from './scheduler/trial-scheduler.js';
export { TrialReportFailed, type TrialReportOutcome } from './scheduler/trial-report-outcomes.js';
export { ClaimTrialReportCommand, type TrialReportClaim } from './commands/claim-trial-report/claim-trial-report.command.js';
export { TRIAL_SCHEDULER, trialWindow } from './commands/claim-trial-report/claim-trial-report.handler.js';
export { RecordTrialReportCommand } from './commands/record-trial-report/record-trial-report.command.js';
export * from './domain/events/index.js';
