import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { LabelAgentCommand } from './label-agent.command.js';

@CommandHandler(LabelAgentCommand)
export class LabelAgentHandler extends AggregateCommandHandler implements ICommandHandler<LabelAgentCommand> {
  async execute({ caller, agentId, set, remove, expectedVersion }: LabelAgentCommand): Promise<void> {
    await this.change(caller, agentStreamId(agentId), Agent.fromHistory, expectedVersion, (agent, now) => agent.label({ set, remove }, now));
  }
}
