import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** The kill switch: every enforcer denies the agent from its next config push. */
export class SuspendAgentCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly agentId: string,
    readonly reason: string | null,
    /** The agent's version from If-Match, when the caller sent one. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
