import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Gives a webhook destination a new signing secret, returned this once; the old one may keep signing for a while. */
export class RotateAlertDestinationSecretCommand extends Command<{ secret: string }> {
  constructor(
    readonly caller: Caller,
    readonly destinationId: string,
    readonly keepPreviousForMs: number,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
