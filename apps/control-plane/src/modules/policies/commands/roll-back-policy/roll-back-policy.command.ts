import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { PublishedPolicy } from '../publish-policy/publish-policy.command.js';

/** Publishes a new version with the content of `toVersion`; versions only go up. */
export class RollBackPolicyCommand extends Command<PublishedPolicy> {
  constructor(
    readonly caller: Caller,
    readonly toVersion: number,
    readonly expectedVersion: number | undefined,
  ) {
    super();
  }
}
