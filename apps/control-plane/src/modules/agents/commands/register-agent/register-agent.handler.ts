import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Agent, agentStreamId } from '../../domain/agent.aggregate.js';
import { AgentError } from '../../domain/agent.errors.js';
import { isUniqueViolation } from '../../storage/unique-violation.js';
import { RegisterAgentCommand, type RegisteredAgent } from './register-agent.command.js';

@CommandHandler(RegisterAgentCommand)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgentCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

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
