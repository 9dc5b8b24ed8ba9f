import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { assertLinkableAgent } from '../linked-agents.js';
import { LinkCredentialAgentCommand } from './link-credential-agent.command.js';

@CommandHandler(LinkCredentialAgentCommand)
export class LinkCredentialAgentHandler implements ICommandHandler<LinkCredentialAgentCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, credentialId, agentId, expectedVersion }: LinkCredentialAgentCommand): Promise<void> {
    const stream = credentialStreamId(credentialId);
    const credential = await loadAggregate(this.store, caller, stream, Credential.fromHistory, expectedVersion);
    await assertLinkableAgent(this.store, caller, agentId);
    credential.linkAgent(agentId, this.clock.now());
    await saveAggregate(this.store, caller, stream, credential);
  }
}
