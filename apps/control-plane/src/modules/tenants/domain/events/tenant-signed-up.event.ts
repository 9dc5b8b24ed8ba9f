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
export class TenantSignedUp {
  static readonly type = 'tenant.signed_up';
  static readonly schemaVersion = 1;
  readonly type = TenantSignedUp.type;
  readonly schemaVersion = TenantSignedUp.schemaVersion;
  constructor(readonly payload: TenantSignedUpPayload) {}
}
