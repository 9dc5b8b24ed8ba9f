import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RecordEnforcerRejectionCommand } from './record-enforcer-rejection.command.js';

@CommandHandler(RecordEnforcerRejectionCommand)
export class RecordEnforcerRejectionHandler extends AggregateCommandHandler implements ICommandHandler<RecordEnforcerRejectionCommand> {
  async execute(command: RecordEnforcerRejectionCommand): Promise<void> {
    const { caller, enforcerId, configVersion, errorCode, errorMessage, rejectedAt, instanceId } = command;
    const rejection = { configVersion, errorCode, errorMessage, rejectedAt, instanceId };
    await this.change(caller, enforcerStreamId(enforcerId), Enforcer.fromHistory, undefined, (enforcer, now) => enforcer.recordRejection(rejection, now));
  }
}
