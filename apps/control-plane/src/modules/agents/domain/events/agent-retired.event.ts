export interface AgentRetiredPayload {
  readonly agentId: string;
  readonly reason: string | null;
  readonly retiredAt: string;
}

/** Terminal: a retired agent is denied everything and can never be resumed. */
export class AgentRetired {
  static readonly type = 'agent.retired';
  static readonly schemaVersion = 1;
  readonly type = AgentRetired.type;
  readonly schemaVersion = AgentRetired.schemaVersion;
  constructor(readonly payload: AgentRetiredPayload) {}
}
