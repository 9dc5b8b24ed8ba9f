import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { RevokeApiKeyCommand } from './revoke-api-key.command.js';

@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, keyId }: RevokeApiKeyCommand): Promise<void> {
    const stream = tenantStreamId(caller.tenantId);
    const tenant = await loadAggregate(this.store, caller, stream, Tenant.fromHistory);
    tenant.revokeApiKey(keyId, this.clock.now());
    await saveAggregate(this.store, caller, stream, tenant);
  }
}
