import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { PolicyMode } from '../policy-mode.js';

export interface PolicyModeChangedPayload {
  readonly tenantId: string;
  readonly mode: PolicyMode;
  readonly previousMode: PolicyMode;
  readonly changedAt: string;
}

/** `shadow`: the policy's denies are recorded as would-deny and let through, whatever the tenant's mode. */
export class PolicyModeChanged extends DomainEventClass('policy.mode_changed')<PolicyModeChangedPayload> {}
