/** Per-policy mode; the effective mode is shadow when either the tenant or the policy says so. */
export type PolicyMode = 'shadow' | 'enforce';
export const POLICY_MODES: readonly PolicyMode[] = ['shadow', 'enforce'];
