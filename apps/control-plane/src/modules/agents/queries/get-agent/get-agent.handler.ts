import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AgentError } from '../../domain/agent.errors.js';
import { AgentsRepository } from '../../storage/agents.repository.js';
import { agentView, GetAgentQuery, type AgentView } from './get-agent.query.js';

@QueryHandler(GetAgentQuery)
export class GetAgentHandler implements IQueryHandler<GetAgentQuery> {
  constructor(@Inject(AgentsRepository) private readonly agents: AgentsRepository) {}

  async execute({ tenantId, agentId }: GetAgentQuery): Promise<AgentView> {
    const row = await this.agents.find(tenantId, agentId);
    if (!row) throw new AgentError('agent.not_found', 'not_found', 'agent not found');
    return agentView(row);
  }
}
