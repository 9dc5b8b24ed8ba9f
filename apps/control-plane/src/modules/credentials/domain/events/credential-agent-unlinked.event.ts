export interface CredentialAgentUnlinkedPayload {
  readonly credentialId: string;
  readonly agentId: string;
  readonly unlinkedAt: string;
}

export class CredentialAgentUnlinked {
  static readonly type = 'credential.agent_unlinked';
  static readonly schemaVersion = 1;
  readonly type = CredentialAgentUnlinked.type;
  readonly schemaVersion = CredentialAgentUnlinked.schemaVersion;
  constructor(readonly payload: CredentialAgentUnlinkedPayload) {}
}
