export interface AgentSuspendedPayload {
  readonly agentId: string;
  readonly reason: string | null;
  readonly suspendedAt: string;
}

/** The kill switch: every enforcer denies this agent's calls from its next config push. */
export class AgentSuspended {
  static readonly type = 'agent.suspended';
  static readonly schemaVersion = 1;
  readonly type = AgentSuspended.type;
  readonly schemaVersion = AgentSuspended.schemaVersion;
  constructor(readonly payload: AgentSuspendedPayload) {}
}
