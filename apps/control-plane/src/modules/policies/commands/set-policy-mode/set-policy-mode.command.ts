import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { PolicyMode } from '../../domain/policy-mode.js';

/** Shadow (record would-deny, let through) or enforce, for the tenant's policy. */
export class SetPolicyModeCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly mode: PolicyMode,
  ) {
    super();
  }
}
