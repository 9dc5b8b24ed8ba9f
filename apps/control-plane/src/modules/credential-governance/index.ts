// What credential governance offers the rest: the module, the baselines the snapshot builder
// ships, the scheduler tests drive, and the inventory of a window's usage (the shadow report's
// credential findings).
export { CredentialGovernanceModule } from './credential-governance.module.js';
export { BaselinesRepository } from './storage/baselines.repository.js';
export { BaselineScheduler, LEARN_INTERVAL_MS } from './scheduler/baseline-scheduler.js';
export type { StoredBaseline } from './domain/baseline.js';
export { UsageTally } from './domain/credential-usage.js';
export { INVENTORY_FINDINGS, type InventoryEntry, type InventoryFinding } from './domain/credential-inventory.js';
// Its commands, queries and events.
export { type LearnBaselinesResult, LearnBaselinesCommand } from './commands/learn-baselines/learn-baselines.command.js';
export { ClassifyCredentialUsageQuery } from './queries/classify-credential-usage/classify-credential-usage.query.js';
export { type CredentialInventoryPage, GetCredentialInventoryQuery } from './queries/get-credential-inventory/get-credential-inventory.query.js';
export { ListBaselinesQuery } from './queries/list-baselines/list-baselines.query.js';
export * from './domain/events/index.js';
