import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** The agent may no longer use the credential. */
export class UnlinkCredentialAgentCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly credentialId: string,
    readonly agentId: string,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
