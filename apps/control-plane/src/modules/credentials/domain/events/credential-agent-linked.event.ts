export interface CredentialAgentLinkedPayload {
  readonly credentialId: string;
  readonly agentId: string;
  readonly linkedAt: string;
}

/** The agent may use this credential (the enforcer's binding lists it). */
export class CredentialAgentLinked {
  static readonly type = 'credential.agent_linked';
  static readonly schemaVersion = 1;
  readonly type = CredentialAgentLinked.type;
  readonly schemaVersion = CredentialAgentLinked.schemaVersion;
  constructor(readonly payload: CredentialAgentLinkedPayload) {}
}
