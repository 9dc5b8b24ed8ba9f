import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { DecommissionEnforcerCommand } from './decommission-enforcer.command.js';

@CommandHandler(DecommissionEnforcerCommand)
export class DecommissionEnforcerHandler extends AggregateCommandHandler implements ICommandHandler<DecommissionEnforcerCommand> {
  async execute({ caller, enforcerId, reason, expectedVersion }: DecommissionEnforcerCommand): Promise<void> {
    await this.change(caller, enforcerStreamId(enforcerId), Enforcer.fromHistory, expectedVersion, (enforcer, now) => enforcer.decommission(reason, now));
  }
}
