import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { FailMode } from '../tenant-settings.js';

export interface TenantFailModeChosenPayload {
  readonly failMode: FailMode;
  readonly from: FailMode;
}

/** What enforcers do in enforce mode without a config. */
export class TenantFailModeChosen extends DomainEventClass('tenant.fail_mode_chosen')<TenantFailModeChosenPayload> {}
