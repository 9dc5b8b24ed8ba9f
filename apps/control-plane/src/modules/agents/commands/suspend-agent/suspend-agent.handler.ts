import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { SuspendAgentCommand } from './suspend-agent.command.js';

@CommandHandler(SuspendAgentCommand)
export class SuspendAgentHandler extends AggregateCommandHandler implements ICommandHandler<SuspendAgentCommand> {
  async execute({ caller, agentId, reason, expectedVersion }: SuspendAgentCommand): Promise<void> {
    await this.change(caller, agentStreamId(agentId), Agent.fromHistory, expectedVersion, (agent, now) => agent.suspend(reason, now));
  }
}
