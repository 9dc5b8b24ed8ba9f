import type { CredentialAgentLinked } from './credential-agent-linked.event.js';
import type { CredentialAgentUnlinked } from './credential-agent-unlinked.event.js';
import type { CredentialRegistered } from './credential-registered.event.js';
import type { CredentialRevoked } from './credential-revoked.event.js';
import type { CredentialRotated } from './credential-rotated.event.js';

export * from './credential-agent-linked.event.js';
export * from './credential-agent-unlinked.event.js';
export * from './credential-registered.event.js';
export * from './credential-revoked.event.js';
export * from './credential-rotated.event.js';

export type CredentialEvent = CredentialRegistered | CredentialAgentLinked | CredentialAgentUnlinked | CredentialRotated | CredentialRevoked;
