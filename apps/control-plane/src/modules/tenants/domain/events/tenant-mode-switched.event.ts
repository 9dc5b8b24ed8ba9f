import { DomainEventClass } from '../../../../shared/domain/domain-event.js';
import type { TenantMode } from '../tenant-settings.js';

export interface TenantModeSwitchedPayload {
  readonly mode: TenantMode;
  readonly from: TenantMode;
}

/** Shadow ⇄ enforce. */
export class TenantModeSwitched extends DomainEventClass('tenant.mode_switched')<TenantModeSwitchedPayload> {}
