import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { RevokeCredentialCommand } from './revoke-credential.command.js';

@CommandHandler(RevokeCredentialCommand)
export class RevokeCredentialHandler extends AggregateCommandHandler implements ICommandHandler<RevokeCredentialCommand> {
  async execute({ caller, credentialId, reason, expectedVersion }: RevokeCredentialCommand): Promise<void> {
    await this.change(caller, credentialStreamId(credentialId), Credential.fromHistory, expectedVersion, (credential, now) => credential.revoke(reason, now));
  }
}
