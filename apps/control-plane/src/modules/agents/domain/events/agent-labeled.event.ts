import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface AgentLabeledPayload {
  readonly agentId: string;
  /** The whole label map after the change, so a projection needs no earlier event. */
  readonly labels: Readonly<Record<string, string>>;
  readonly set: Readonly<Record<string, string>>;
  readonly removed: readonly string[];
  readonly labeledAt: string;
}

export class AgentLabeled extends DomainEventClass('agent.labeled')<AgentLabeledPayload> {}
