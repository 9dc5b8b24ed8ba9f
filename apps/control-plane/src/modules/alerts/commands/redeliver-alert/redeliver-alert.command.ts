import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Takes an alert off the dead-letter list: a new delivery cycle, due now. */
export class RedeliverAlertCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly alertId: string,
  ) {
    super();
  }
}
