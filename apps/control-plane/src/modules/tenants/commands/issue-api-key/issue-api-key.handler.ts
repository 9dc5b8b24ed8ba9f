import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { generateApiKey } from '@thoth/api-keys';
import { Clock } from '../../../../platform/clock/clock.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { IssueApiKeyCommand, type IssuedKey } from './issue-api-key.command.js';

@CommandHandler(IssueApiKeyCommand)
export class IssueApiKeyHandler implements ICommandHandler<IssueApiKeyCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, name, role }: IssueApiKeyCommand): Promise<IssuedKey> {
    const stream = tenantStreamId(caller.tenantId);
    const tenant = await loadAggregate(this.store, caller, stream, Tenant.fromHistory);
    const keyId = randomUUID();
    const key = generateApiKey();
    tenant.issueApiKey({ keyId, name, role, prefix: key.prefix, keyHash: key.hash }, this.clock.now());
    await saveAggregate(this.store, caller, stream, tenant);
    return { keyId, key: key.key, prefix: key.prefix, role, name };
  }
}
