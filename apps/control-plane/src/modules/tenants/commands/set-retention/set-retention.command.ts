import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { Retention } from '../../domain/tenant-settings.js';

/** How long the decision read model keeps the tenant's decisions and their retained arguments. */
export class SetRetentionCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly retention: Retention,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
