import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import type { PublishedPolicy } from '../publish-policy/publish-policy.command.js';
import { changePolicy } from '../policy-stream.js';
import { RollBackPolicyCommand } from './roll-back-policy.command.js';

@CommandHandler(RollBackPolicyCommand)
export class RollBackPolicyHandler extends AggregateCommandHandler implements ICommandHandler<RollBackPolicyCommand> {
  async execute({ caller, toVersion, expectedVersion }: RollBackPolicyCommand): Promise<PublishedPolicy> {
    const now = this.clock.now();
    const published = await changePolicy(this.store, caller, (policy) => policy.rollBack({ toVersion, expectedVersion }, now));
    return { version: published.version, contentHash: published.contentHash };
  }
}
