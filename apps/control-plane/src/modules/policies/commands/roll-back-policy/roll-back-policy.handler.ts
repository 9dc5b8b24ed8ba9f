import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import type { PublishedPolicy } from '../publish-policy/publish-policy.command.js';
import { changePolicy } from '../policy-stream.js';
import { RollBackPolicyCommand } from './roll-back-policy.command.js';

@CommandHandler(RollBackPolicyCommand)
export class RollBackPolicyHandler implements ICommandHandler<RollBackPolicyCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, toVersion, expectedVersion }: RollBackPolicyCommand): Promise<PublishedPolicy> {
    const now = this.clock.now();
    const published = await changePolicy(this.store, caller, (policy) => policy.rollBack({ toVersion, expectedVersion }, now));
    return { version: published.version, contentHash: published.contentHash };
  }
}
