export interface AgentLabeledPayload {
  readonly agentId: string;
  /** The whole label map after the change, so a projection needs no earlier event. */
  readonly labels: Readonly<Record<string, string>>;
  readonly set: Readonly<Record<string, string>>;
  readonly removed: readonly string[];
  readonly labeledAt: string;
}

export class AgentLabeled {
  static readonly type = 'agent.labeled';
  static readonly schemaVersion = 1;
  readonly type = AgentLabeled.type;
  readonly schemaVersion = AgentLabeled.schemaVersion;
  constructor(readonly payload: AgentLabeledPayload) {}
}
