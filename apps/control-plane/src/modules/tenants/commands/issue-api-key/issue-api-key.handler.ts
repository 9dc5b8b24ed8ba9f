import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { generateApiKey } from '@thoth/api-keys';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Tenant, tenantStreamId } from '../../domain/tenant.aggregate.js';
import { IssueApiKeyCommand, type IssuedKey } from './issue-api-key.command.js';

@CommandHandler(IssueApiKeyCommand)
export class IssueApiKeyHandler extends AggregateCommandHandler implements ICommandHandler<IssueApiKeyCommand> {
  async execute({ caller, name, role }: IssueApiKeyCommand): Promise<IssuedKey> {
    const keyId = randomUUID();
    const key = generateApiKey();
    await this.change(caller, tenantStreamId(caller.tenantId), Tenant.fromHistory, undefined, (tenant, now) =>
      tenant.issueApiKey({ keyId, name, role, prefix: key.prefix, keyHash: key.hash }, now),
    );
    return { keyId, key: key.key, prefix: key.prefix, role, name };
  }
}
