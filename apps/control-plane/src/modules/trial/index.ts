// The trial module's offer to the others: its read model and the scheduler (tests drive runDue()).
export { TrialModule } from './trial.module.js';
export { TrialsRepository } from './storage/trials.repository.js';
export { TrialScheduler, REPORT_LEASE_MS, type TrialRun } from './scheduler/trial-scheduler.js';
