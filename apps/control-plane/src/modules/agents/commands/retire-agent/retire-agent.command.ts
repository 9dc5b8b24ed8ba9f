import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Terminal: the agent is denied everything, for good. */
export class RetireAgentCommand extends Command<void> {
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
