import type { TenantMode } from '../tenant-settings.js';

export interface TenantModeSwitchedPayload {
  readonly mode: TenantMode;
  readonly from: TenantMode;
}

/** Shadow ⇄ enforce. */
export class TenantModeSwitched {
  static readonly type = 'tenant.mode_switched';
  static readonly schemaVersion = 1;
  readonly type = TenantModeSwitched.type;
  readonly schemaVersion = TenantModeSwitched.schemaVersion;
  constructor(readonly payload: TenantModeSwitchedPayload) {}
}
