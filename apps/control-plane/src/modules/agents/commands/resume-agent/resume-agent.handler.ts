import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { ResumeAgentCommand } from './resume-agent.command.js';

@CommandHandler(ResumeAgentCommand)
export class ResumeAgentHandler extends AggregateCommandHandler implements ICommandHandler<ResumeAgentCommand> {
  async execute({ caller, agentId, expectedVersion }: ResumeAgentCommand): Promise<void> {
    await this.change(caller, agentStreamId(agentId), Agent.fromHistory, expectedVersion, (agent, now) => agent.resume(now));
  }
}
