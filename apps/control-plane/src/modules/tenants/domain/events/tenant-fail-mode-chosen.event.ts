import type { FailMode } from '../tenant-settings.js';

export interface TenantFailModeChosenPayload {
  readonly failMode: FailMode;
  readonly from: FailMode;
}

/** What enforcers do in enforce mode without a config. */
export class TenantFailModeChosen {
  static readonly type = 'tenant.fail_mode_chosen';
  static readonly schemaVersion = 1;
  readonly type = TenantFailModeChosen.type;
  readonly schemaVersion = TenantFailModeChosen.schemaVersion;
  constructor(readonly payload: TenantFailModeChosenPayload) {}
}
