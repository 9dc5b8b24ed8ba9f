// The policies context's offer to the others: its module, its commands, queries and events, the
// read model (the snapshot builder, the shadow report and the replay read the current policy),
// and the policy source checks a candidate policy goes through (the replay checks one too).
export { PoliciesModule } from './policies.module.js';
export { PoliciesRepository } from './storage/policies.repository.js';
export { assertValidPolicySource, MAX_POLICY_BYTES, type PolicyFormat } from './domain/policy-source.js';
export { PolicyError, type PolicyErrorCode } from './domain/policy.errors.js';
export { type PublishedPolicy, PublishPolicyCommand } from './commands/publish-policy/publish-policy.command.js';
export { RollBackPolicyCommand } from './commands/roll-back-policy/roll-back-policy.command.js';
export { SetPolicyModeCommand } from './commands/set-policy-mode/set-policy-mode.command.js';
export { DiffPolicyVersionsQuery } from './queries/diff-policy-versions/diff-policy-versions.query.js';
export { GetPolicyVersionQuery } from './queries/get-policy-version/get-policy-version.query.js';
export { type PolicyVersionView, type PolicyView, GetPolicyQuery } from './queries/get-policy/get-policy.query.js';
export { ListPolicyVersionsQuery } from './queries/list-policy-versions/list-policy-versions.query.js';
export { ValidatePolicyQuery } from './queries/validate-policy/validate-policy.query.js';
export * from './domain/events/index.js';
