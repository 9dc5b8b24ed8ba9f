export interface AgentResumedPayload {
  readonly agentId: string;
  readonly resumedAt: string;
}

export class AgentResumed {
  static readonly type = 'agent.resumed';
  static readonly schemaVersion = 1;
  readonly type = AgentResumed.type;
  readonly schemaVersion = AgentResumed.schemaVersion;
  constructor(readonly payload: AgentResumedPayload) {}
}
