import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Lets an agent use the credential. */
export class LinkCredentialAgentCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly credentialId: string,
    readonly agentId: string,
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
