import { Query } from '@nestjs/cqrs';
import type { AgentRow } from '@thoth/db';
import type { AgentStatus } from '../../domain/agent.aggregate.js';

/** An agent as the API shows it: never its token, only the token's first characters. */
export interface AgentView {
  id: string;
  name: string;
  description: string | null;
  labels: Record<string, string>;
  status: AgentStatus;
  statusReason: string | null;
  statusChangedAt: string;
  tokenHint: string;
  registeredAt: string;
  /** The agent stream's version: the ETag, and what If-Match takes. */
  version: number;
}

export class GetAgentQuery extends Query<AgentView> {
  constructor(
    readonly tenantId: string,
    readonly agentId: string,
  ) {
    super();
  }
}

export function agentView(row: AgentRow): AgentView {
  return {
    id: row.agentId,
    name: row.name,
    description: row.description,
    labels: row.labels,
    status: row.status,
    statusReason: row.statusReason,
    statusChangedAt: row.statusChangedAt.toISOString(),
    tokenHint: row.tokenHint,
    registeredAt: row.registeredAt.toISOString(),
    version: row.version,
  };
}
