import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface CredentialAgentUnlinkedPayload {
  readonly credentialId: string;
  readonly agentId: string;
  readonly unlinkedAt: string;
}

export class CredentialAgentUnlinked extends DomainEventClass('credential.agent_unlinked')<CredentialAgentUnlinkedPayload> {}
