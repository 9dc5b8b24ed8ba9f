import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { ChooseFailModeCommand } from './choose-fail-mode.command.js';

@CommandHandler(ChooseFailModeCommand)
export class ChooseFailModeHandler extends AggregateCommandHandler implements ICommandHandler<ChooseFailModeCommand> {
  async execute({ caller, failMode, expectedVersion }: ChooseFailModeCommand): Promise<void> {
    await this.change(caller, tenantStreamId(caller.tenantId), Tenant.fromHistory, expectedVersion, (tenant) => tenant.chooseFailMode(failMode));
  }
}
