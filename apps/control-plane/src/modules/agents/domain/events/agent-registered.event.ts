import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AgentRegisteredPayload {
  readonly agentId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly description: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** SHA-256 hex of the agent token; the token itself was shown once and is gone. */
  readonly tokenHash: string;
  readonly tokenHint: string;
  readonly registeredAt: string;
}

export class AgentRegistered extends DomainEventClass('agent.registered')<AgentRegisteredPayload> {}
