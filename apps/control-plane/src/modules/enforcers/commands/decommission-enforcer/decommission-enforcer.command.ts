import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Terminal: the enforcer's token stops opening config streams. */
export class DecommissionEnforcerCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly enforcerId: string,
    readonly reason: string | null,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
