import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { TenantMode } from '../../domain/tenant-settings.js';

/** Shadow ⇄ enforce, in one call. `expectedVersion` comes from If-Match. */
export class SwitchTenantModeCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly mode: TenantMode,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
