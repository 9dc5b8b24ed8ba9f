import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

export interface RegisteredEnforcer {
  enforcerId: string;
  name: string;
  /** The enforcer token in clear, this once; only its SHA-256 is kept. */
  token: string;
  tokenHint: string;
}

export class RegisterEnforcerCommand extends Command<RegisteredEnforcer> {
  constructor(
    readonly caller: Caller,
    readonly name: string,
  ) {
    super();
  }
}
