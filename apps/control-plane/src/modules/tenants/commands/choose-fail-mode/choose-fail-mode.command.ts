import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { FailMode } from '../../domain/tenant-settings.js';

/** What an enforcer in enforce mode does when it has no config: closed (deny, the default) or open. */
export class ChooseFailModeCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly failMode: FailMode,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
