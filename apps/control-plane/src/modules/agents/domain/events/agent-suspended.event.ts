import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AgentSuspendedPayload {
  readonly agentId: string;
  readonly reason: string | null;
  readonly suspendedAt: string;
}

/** The kill switch: every enforcer denies this agent's calls from its next config push. */
export class AgentSuspended extends DomainEventClass('agent.suspended')<AgentSuspendedPayload> {}
