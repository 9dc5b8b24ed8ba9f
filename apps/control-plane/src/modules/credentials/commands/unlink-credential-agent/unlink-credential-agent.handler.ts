import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Credential, credentialStreamId } from '../../domain/credential.aggregate.js';
import { UnlinkCredentialAgentCommand } from './unlink-credential-agent.command.js';

@CommandHandler(UnlinkCredentialAgentCommand)
export class UnlinkCredentialAgentHandler implements ICommandHandler<UnlinkCredentialAgentCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, credentialId, agentId, expectedVersion }: UnlinkCredentialAgentCommand): Promise<void> {
    const stream = credentialStreamId(credentialId);
    const credential = await loadAggregate(this.store, caller, stream, Credential.fromHistory, expectedVersion);
    credential.unlinkAgent(agentId, this.clock.now());
    await saveAggregate(this.store, caller, stream, credential);
  }
}
