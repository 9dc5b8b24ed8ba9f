import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { SwitchTenantModeCommand } from './switch-tenant-mode.command.js';

@CommandHandler(SwitchTenantModeCommand)
export class SwitchTenantModeHandler extends AggregateCommandHandler implements ICommandHandler<SwitchTenantModeCommand> {
  async execute({ caller, mode, expectedVersion }: SwitchTenantModeCommand): Promise<void> {
    await this.change(caller, tenantStreamId(caller.tenantId), Tenant.fromHistory, expectedVersion, (tenant) => tenant.switchMode(mode));
  }
}
