import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { ChooseFailModeCommand } from './choose-fail-mode.command.js';

@CommandHandler(ChooseFailModeCommand)
export class ChooseFailModeHandler implements ICommandHandler<ChooseFailModeCommand> {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async execute({ caller, failMode, expectedVersion }: ChooseFailModeCommand): Promise<void> {
    const stream = tenantStreamId(caller.tenantId);
    const tenant = await loadAggregate(this.store, caller, stream, Tenant.fromHistory, expectedVersion);
    tenant.chooseFailMode(failMode);
    await saveAggregate(this.store, caller, stream, tenant);
  }
}
