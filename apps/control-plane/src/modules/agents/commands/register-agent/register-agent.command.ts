import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

export interface RegisteredAgent {
  agentId: string;
  name: string;
  /** The agent token in clear, this once; only its SHA-256 is kept. */
  token: string;
  tokenHint: string;
  /** The agent stream's version after registration (the ETag). */
  version: number;
}

export class RegisterAgentCommand extends Command<RegisteredAgent> {
  constructor(
    readonly caller: Caller,
    readonly name: string,
    readonly description: string | null,
    readonly labels: Readonly<Record<string, string>>,
  ) {
    super();
  }
}
