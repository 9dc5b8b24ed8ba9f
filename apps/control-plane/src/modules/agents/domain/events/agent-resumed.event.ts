import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AgentResumedPayload {
  readonly agentId: string;
  readonly resumedAt: string;
}

export class AgentResumed extends DomainEventClass('agent.resumed')<AgentResumedPayload> {}
