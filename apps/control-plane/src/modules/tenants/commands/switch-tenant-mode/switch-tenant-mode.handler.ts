import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { SwitchTenantModeCommand } from './switch-tenant-mode.command.js';

@CommandHandler(SwitchTenantModeCommand)
export class SwitchTenantModeHandler implements ICommandHandler<SwitchTenantModeCommand> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ caller, mode, expectedVersion }: SwitchTenantModeCommand): Promise<void> {
    const stream = tenantStreamId(caller.tenantId);
    const tenant = await loadAggregate(this.store, caller, stream, Tenant.fromHistory, expectedVersion);
    tenant.switchMode(mode);
    await saveAggregate(this.store, caller, stream, tenant);
  }
}
