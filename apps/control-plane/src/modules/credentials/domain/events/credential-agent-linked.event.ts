import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface CredentialAgentLinkedPayload {
  readonly credentialId: string;
  readonly agentId: string;
  readonly linkedAt: string;
}

/** The agent may use this credential (the enforcer's binding lists it). */
export class CredentialAgentLinked extends DomainEventClass('credential.agent_linked')<CredentialAgentLinkedPayload> {}
