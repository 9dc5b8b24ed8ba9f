import type { PolicyMode } from '../policy-mode.js';

export interface PolicyModeChangedPayload {
  readonly tenantId: string;
  readonly mode: PolicyMode;
  readonly previousMode: PolicyMode;
  readonly changedAt: string;
}

/** `shadow`: the policy's denies are recorded as would-deny and let through, whatever the tenant's mode. */
export class PolicyModeChanged {
  static readonly type = 'policy.mode_changed';
  static readonly schemaVersion = 1;
  readonly type = PolicyModeChanged.type;
  readonly schemaVersion = PolicyModeChanged.schemaVersion;
  constructor(readonly payload: PolicyModeChangedPayload) {}
}
