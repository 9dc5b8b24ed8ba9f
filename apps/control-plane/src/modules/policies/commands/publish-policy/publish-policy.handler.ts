import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { changePolicy } from '../policy-stream.js';
import { PublishPolicyCommand, type PublishedPolicy } from './publish-policy.command.js';

@CommandHandler(PublishPolicyCommand)
export class PublishPolicyHandler implements ICommandHandler<PublishPolicyCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, source, format, expectedVersion }: PublishPolicyCommand): Promise<PublishedPolicy> {
    const now = this.clock.now();
    const published = await changePolicy(this.store, caller, (policy) => policy.publish({ source, format, expectedVersion }, now));
    return { version: published.version, contentHash: published.contentHash };
  }
}
