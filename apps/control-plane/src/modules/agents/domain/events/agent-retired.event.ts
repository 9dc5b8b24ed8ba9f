import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AgentRetiredPayload {
  readonly agentId: string;
  readonly reason: string | null;
  readonly retiredAt: string;
}

/** Terminal: a retired agent is denied everything and can never be resumed. */
export class AgentRetired extends DomainEventClass('agent.retired')<AgentRetiredPayload> {}
