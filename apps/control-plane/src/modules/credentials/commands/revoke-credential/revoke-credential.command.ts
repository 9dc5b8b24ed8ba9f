import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Terminal: calls presenting this credential are unbound from the next config push. */
export class RevokeCredentialCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly credentialId: string,
    readonly reason: string | null,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
