import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { AgentError } from '../../domain/agent.errors.js';
import { isUniqueViolation } from '../../../../platform/database/unique-violation.js';
import { RegisterAgentCommand, type RegisteredAgent } from './register-agent.command.js';

@CommandHandler(RegisterAgentCommand)
export class RegisterAgentHandler extends AggregateCommandHandler implements ICommandHandler<RegisterAgentCommand> {
  async execute({ caller, name, description, labels }: RegisterAgentCommand): Promise<RegisteredAgent> {
    const agentId = randomUUID();
    const { agent, token } = Agent.register({ agentId, tenantId: caller.tenantId, name, description, labels }, this.clock.now());
    try {
      await saveAggregate(this.store, caller, agentStreamId(agentId), agent);
      return { agentId, name, token, tokenHint: agent.tokenHint, version: agent.version };
    } catch (error) {
      // The projection's unique (tenant, name) index decides races between two registrations.
      if (isUniqueViolation(error, 'agents_tenant_name_key')) {
        throw new AgentError('agent.name_taken', 'conflict', `an agent named '${name}' is already registered`, '/name');
      }
      throw error;
    }
  }
}
