import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** No more alerts go to the destination; its undelivered ones end in the dead-letter list. Idempotent. */
export class DeleteAlertDestinationCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly destinationId: string,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
