import { agents, type AgentRow, type NewAgentRow } from '@thoth/db';
import { and, asc, eq } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';
import type { AgentStatus } from '../domain/agent.aggregate.js';

/** The agents read model: written by the projection (inside the append), read by queries. */
export class AgentsRepository {
  constructor(private readonly database: TenantDatabase) {}

  async find(tenantId: string, agentId: string): Promise<AgentRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx.select().from(agents).where(eq(agents.agentId, agentId));
      return row;
    });
  }

  async list(tenantId: string, filter: { status?: AgentStatus }): Promise<AgentRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select()
        .from(agents)
        .where(and(eq(agents.tenantId, tenantId), filter.status === undefined ? undefined : eq(agents.status, filter.status)))
        .orderBy(asc(agents.registeredAt), asc(agents.agentId)),
    );
  }

  static async insert(tx: Tx, row: NewAgentRow): Promise<void> {
    await tx.insert(agents).values(row);
  }

  static async update(tx: Tx, agentId: string, change: Partial<NewAgentRow>): Promise<void> {
    await tx.update(agents).set(change).where(eq(agents.agentId, agentId));
  }
}
