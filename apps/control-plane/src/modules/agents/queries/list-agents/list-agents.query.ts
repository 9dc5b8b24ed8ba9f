import { Query } from '@nestjs/cqrs';
import type { AgentStatus } from '../../domain/agent.aggregate.js';
import type { AgentView } from '../get-agent/get-agent.query.js';

export class ListAgentsQuery extends Query<AgentView[]> {
  constructor(
    readonly tenantId: string,
    readonly status?: AgentStatus,
  ) {
    super();
  }
}
