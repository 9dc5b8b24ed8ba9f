import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AgentsRepository } from '../../storage/agents.repository.js';
import { agentView, type AgentView } from '../get-agent/get-agent.query.js';
import { ListAgentsQuery } from './list-agents.query.js';

@QueryHandler(ListAgentsQuery)
export class ListAgentsHandler implements IQueryHandler<ListAgentsQuery> {
  constructor(@Inject(AgentsRepository) private readonly agents: AgentsRepository) {}

  async execute({ tenantId, status }: ListAgentsQuery): Promise<AgentView[]> {
    return (await this.agents.list(tenantId, { status })).map(agentView);
  }
}
