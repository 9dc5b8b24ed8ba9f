import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { assertLinkableAgent } from '../linked-agents.js';
import { LinkCredentialAgentCommand } from './link-credential-agent.command.js';

@CommandHandler(LinkCredentialAgentCommand)
export class LinkCredentialAgentHandler extends AggregateCommandHandler implements ICommandHandler<LinkCredentialAgentCommand> {
  async execute({ caller, credentialId, agentId, expectedVersion }: LinkCredentialAgentCommand): Promise<void> {
    await this.change(caller, credentialStreamId(credentialId), Credential.fromHistory, expectedVersion, async (credential, now) => {
      await assertLinkableAgent(this.store, caller, agentId);
      credential.linkAgent(agentId, now);
    });
  }
}
