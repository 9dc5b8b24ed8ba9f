import { Inject, Injectable } from '@nestjs/common';
import { agents } from '@thoth/db';
import { AggregateProjection, ProjectionRegistry, type RowStamp } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { AgentEvent } from '../domain/events/index.js';
import { AgentsRepository } from './agents.repository.js';

/** agents, folded from the Agent streams. Depends on the event alone, so a rebuild reproduces it. */
@Injectable()
export class AgentsProjection extends AggregateProjection<AgentEvent> {
  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    super(registry, 'agents', [agents], 'agent.');
  }

  protected async fold(tx: Tx, event: AgentEvent, stamp: RowStamp): Promise<void> {
    switch (event.type) {
      case 'agent.registered': {
        const p = event.payload;
        return AgentsRepository.insert(tx, {
          agentId: p.agentId,
          tenantId: p.tenantId,
          name: p.name,
          description: p.description,
          labels: { ...p.labels },
          status: 'active',
          statusReason: null,
          statusChangedAt: new Date(p.registeredAt),
          tokenHash: p.tokenHash,
          tokenHint: p.tokenHint,
          registeredAt: new Date(p.registeredAt),
          ...stamp,
        });
      }
      case 'agent.labeled':
        return AgentsRepository.update(tx, event.payload.agentId, { labels: { ...event.payload.labels }, ...stamp });
      case 'agent.suspended': {
        const p = event.payload;
        return AgentsRepository.update(tx, p.agentId, { status: 'suspended', statusReason: p.reason, statusChangedAt: new Date(p.suspendedAt), ...stamp });
      }
      case 'agent.resumed': {
        const p = event.payload;
        return AgentsRepository.update(tx, p.agentId, { status: 'active', statusReason: null, statusChangedAt: new Date(p.resumedAt), ...stamp });
      }
      case 'agent.retired': {
        const p = event.payload;
        return AgentsRepository.update(tx, p.agentId, { status: 'retired', statusReason: p.reason, statusChangedAt: new Date(p.retiredAt), ...stamp });
      }
    }
  }
}
