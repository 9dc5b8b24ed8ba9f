import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Any message from the enforcer; recorded at most once a minute. */
export class MarkEnforcerSeenCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly enforcerId: string,
    readonly seenAt: Date,
  ) {
    super();
  }
}
