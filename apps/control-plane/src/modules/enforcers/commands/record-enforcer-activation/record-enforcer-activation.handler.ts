import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RecordEnforcerActivationCommand } from './record-enforcer-activation.command.js';

@CommandHandler(RecordEnforcerActivationCommand)
export class RecordEnforcerActivationHandler extends AggregateCommandHandler implements ICommandHandler<RecordEnforcerActivationCommand> {
  async execute({ caller, enforcerId, configVersion, activatedAt, contentHash, instanceId }: RecordEnforcerActivationCommand): Promise<void> {
    const activation = { configVersion, activatedAt, contentHash, instanceId };
    await this.change(caller, enforcerStreamId(enforcerId), Enforcer.fromHistory, undefined, (enforcer, now) => enforcer.recordActivation(activation, now));
  }
}
