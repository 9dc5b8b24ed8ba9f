import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { UnlinkCredentialAgentCommand } from './unlink-credential-agent.command.js';

@CommandHandler(UnlinkCredentialAgentCommand)
export class UnlinkCredentialAgentHandler extends AggregateCommandHandler implements ICommandHandler<UnlinkCredentialAgentCommand> {
  async execute({ caller, credentialId, agentId, expectedVersion }: UnlinkCredentialAgentCommand): Promise<void> {
    await this.change(caller, credentialStreamId(credentialId), Credential.fromHistory, expectedVersion, (credential, now) => credential.unlinkAgent(agentId, now));
  }
}
