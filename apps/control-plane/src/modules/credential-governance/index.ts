// What credential governance offers the rest: the module, the baselines the snapshot builder
// ships, and the scheduler tests drive.
export { CredentialGovernanceModule } from './credential-governance.module.js';
export { BaselinesRepository } from './projections/baselines.repository.js';
export { BaselineScheduler, LEARN_INTERVAL_MS } from './scheduler/baseline-scheduler.js';
export type { StoredBaseline } from './domain/baseline.js';
