import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { MarkEnforcerSeenCommand } from './mark-enforcer-seen.command.js';

@CommandHandler(MarkEnforcerSeenCommand)
export class MarkEnforcerSeenHandler extends AggregateCommandHandler implements ICommandHandler<MarkEnforcerSeenCommand> {
  async execute({ caller, enforcerId, seenAt }: MarkEnforcerSeenCommand): Promise<void> {
    await this.change(caller, enforcerStreamId(enforcerId), Enforcer.fromHistory, undefined, (enforcer) => enforcer.markSeen(seenAt));
  }
}
