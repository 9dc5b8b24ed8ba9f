import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { RetireAgentCommand } from './retire-agent.command.js';

@CommandHandler(RetireAgentCommand)
export class RetireAgentHandler extends AggregateCommandHandler implements ICommandHandler<RetireAgentCommand> {
  async execute({ caller, agentId, reason, expectedVersion }: RetireAgentCommand): Promise<void> {
    await this.change(caller, agentStreamId(agentId), Agent.fromHistory, expectedVersion, (agent, now) => agent.retire(reason, now));
  }
}
