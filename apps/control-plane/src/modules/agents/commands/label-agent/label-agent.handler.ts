import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { LabelAgentCommand } from './label-agent.command.js';

@CommandHandler(LabelAgentCommand)
export class LabelAgentHandler implements ICommandHandler<LabelAgentCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, agentId, set, remove, expectedVersion }: LabelAgentCommand): Promise<void> {
    const stream = agentStreamId(agentId);
    const agent = await loadAggregate(this.store, caller, stream, Agent.fromHistory, expectedVersion);
    agent.label({ set, remove }, this.clock.now());
    await saveAggregate(this.store, caller, stream, agent);
  }
}
