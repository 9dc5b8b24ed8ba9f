import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { RevokeApiKeyCommand } from './revoke-api-key.command.js';

@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler extends AggregateCommandHandler implements ICommandHandler<RevokeApiKeyCommand> {
  async execute({ caller, keyId }: RevokeApiKeyCommand): Promise<void> {
    await this.change(caller, tenantStreamId(caller.tenantId), Tenant.fromHistory, undefined, (tenant, now) => tenant.revokeApiKey(keyId, now));
  }
}
