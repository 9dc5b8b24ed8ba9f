import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { FailMode, TenantMode } from '../tenant-settings.js';

export interface TenantSignedUpPayload {
  readonly tenantId: string;
  readonly name: string;
  readonly email: string;
  readonly mode: TenantMode;
  readonly failMode: FailMode;
  readonly signedUpAt: string;
  readonly trialEndsAt: string;
}

/** Self-serve sign-up: the tenant starts in its shadow trial. */
export class TenantSignedUp extends DomainEventClass('tenant.signed_up')<TenantSignedUpPayload> {}
