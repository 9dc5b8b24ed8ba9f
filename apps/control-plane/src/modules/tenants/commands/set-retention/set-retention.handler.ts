import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { SetRetentionCommand } from './set-retention.command.js';

@CommandHandler(SetRetentionCommand)
export class SetRetentionHandler extends AggregateCommandHandler implements ICommandHandler<SetRetentionCommand> {
  async execute({ caller, retention, expectedVersion }: SetRetentionCommand): Promise<void> {
    await this.change(caller, tenantStreamId(caller.tenantId), Tenant.fromHistory, expectedVersion, (tenant) => tenant.setRetention(retention));
  }
}
