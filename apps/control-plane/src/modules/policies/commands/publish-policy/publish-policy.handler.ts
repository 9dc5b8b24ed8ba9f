import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { changePolicy } from '../policy-stream.js';
import { PublishPolicyCommand, type PublishedPolicy } from './publish-policy.command.js';

@CommandHandler(PublishPolicyCommand)
export class PublishPolicyHandler extends AggregateCommandHandler implements ICommandHandler<PublishPolicyCommand> {
  async execute({ caller, source, format, expectedVersion }: PublishPolicyCommand): Promise<PublishedPolicy> {
    const now = this.clock.now();
    const published = await changePolicy(this.store, caller, (policy) => policy.publish({ source, format, expectedVersion }, now));
    return { version: published.version, contentHash: published.contentHash };
  }
}
