import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { changePolicy } from '../policy-stream.js';
import { SetPolicyModeCommand } from './set-policy-mode.command.js';

@CommandHandler(SetPolicyModeCommand)
export class SetPolicyModeHandler extends AggregateCommandHandler implements ICommandHandler<SetPolicyModeCommand> {
  async execute({ caller, mode }: SetPolicyModeCommand): Promise<void> {
    const now = this.clock.now();
    await changePolicy(this.store, caller, (policy) => policy.setMode(mode, now));
  }
}
