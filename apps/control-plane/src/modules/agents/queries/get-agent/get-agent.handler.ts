import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { found } from '../../../../shared/domain/domain-error.js';
import { agentNotFound } from '../../domain/agent.errors.js';
import { AgentsRepository } from '../../storage/agents.repository.js';
import { agentView, GetAgentQuery, type AgentView } from './get-agent.query.js';

@QueryHandler(GetAgentQuery)
export class GetAgentHandler implements IQueryHandler<GetAgentQuery> {
  constructor(@Inject(AgentsRepository) private readonly agents: AgentsRepository) {}

  async execute({ tenantId, agentId }: GetAgentQuery): Promise<AgentView> {
    return agentView(found(await this.agents.find(tenantId, agentId), agentNotFound));
  }
}
