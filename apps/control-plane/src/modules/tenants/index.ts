// The tenants context's offer to the others: its module, its commands, queries and events, the
// read model (the snapshot builder and the shadow report read a tenant's mode and settings), the
// trial's length, and the port through which GET /v1/tenant shows the trial's end (the trial
// context implements it: tenants does not import trial, which builds on tenants).
export { TenantsModule } from './tenants.module.js';
export { TenantsRepository } from './storage/tenants.repository.js';
export { TRIAL_DAYS } from './domain/tenant.aggregate.js';
export { TrialProgress, type TrialProgressRow } from './queries/get-tenant/trial-progress.js';
export { ChooseFailModeCommand } from './commands/choose-fail-mode/choose-fail-mode.command.js';
export { type IssuedKey, IssueApiKeyCommand } from './commands/issue-api-key/issue-api-key.command.js';
export { RevokeApiKeyCommand } from './commands/revoke-api-key/revoke-api-key.command.js';
export { type SignUpResult, SignUpTenantCommand } from './commands/sign-up-tenant/sign-up-tenant.command.js';
export { SetRetentionCommand } from './commands/set-retention/set-retention.command.js';
export { DEFAULT_RETENTION, RETENTION_LIMITS } from './domain/retention.js';
export { SwitchTenantModeCommand } from './commands/switch-tenant-mode/switch-tenant-mode.command.js';
export { type TenantView, GetTenantQuery } from './queries/get-tenant/get-tenant.query.js';
export { type ApiKeyView, ListApiKeysQuery } from './queries/list-api-keys/list-api-keys.query.js';
export * from './domain/events/index.js';
