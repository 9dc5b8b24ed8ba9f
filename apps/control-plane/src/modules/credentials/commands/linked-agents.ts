import { loadAggregate } from '../../../event-store/aggregate-store.js';
import type { EventStore } from '../../../event-store/event-store.js';
import type { Caller } from '../../../platform/caller.js';
import { Agent, agentStreamId, AgentError } from '../../agents/index.js';

/**
 * A credential may only be linked to an agent of the caller's own tenant that is not retired.
 * The agent is loaded from its stream under the caller's tenant, so another tenant's agent
 * is simply not found.
 */
export async function assertLinkableAgent(store: EventStore, caller: Caller, agentId: string): Promise<void> {
  const agent = await loadAggregate(store, caller, agentStreamId(agentId), Agent.fromHistory);
  if (agent.status === 'retired') throw new AgentError('agent.retired', 'conflict', `agent '${agent.name}' is retired and cannot be given a credential`);
}
