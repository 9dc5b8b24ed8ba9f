import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Lifts the kill switch. */
export class ResumeAgentCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly agentId: string,
    /** The agent's version from If-Match, when the caller sent one. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
