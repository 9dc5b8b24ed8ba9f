/** Shadow: decide and record, block nothing (the trial). Enforce: block what the policy denies. */
export type TenantMode = 'shadow' | 'enforce';
/** What an enforcer in enforce mode does before it has any config: deny (closed, the default) or allow. */
export type FailMode = 'open' | 'closed';
export type ApiKeyRole = 'admin' | 'policy_author' | 'auditor' | 'read_only' | 'approver';

/** How long the decision read model keeps a tenant's decision records and their retained arguments (docs/retention.md). */
export interface Retention {
  readonly decisionDays: number;
  readonly argumentDays: number;
}
