import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** Sets and removes labels (what policy selectors match on). */
export class LabelAgentCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly agentId: string,
    readonly set: Readonly<Record<string, string>>,
    readonly remove: readonly string[],
    /** The agent's version from If-Match, when the caller sent one. */
    readonly expectedVersion?: number,
  ) {
    super();
  }
}
