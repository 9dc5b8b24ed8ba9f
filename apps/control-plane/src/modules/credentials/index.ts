// The credentials context's offer to the others: its module, its commands, queries and events,
// and the read model (the snapshot builder, credential governance and the policy replay read a
// tenant's credentials).
export { CredentialsModule } from './credentials.module.js';
export { CredentialsRepository, type CredentialRecord } from './storage/credentials.repository.js';
export { LinkCredentialAgentCommand } from './commands/link-credential-agent/link-credential-agent.command.js';
export { type RegisterCredentialInput, RegisterCredentialCommand } from './commands/register-credential/register-credential.command.js';
export { RevokeCredentialCommand } from './commands/revoke-credential/revoke-credential.command.js';
export { RotateCredentialCommand } from './commands/rotate-credential/rotate-credential.command.js';
export { UnlinkCredentialAgentCommand } from './commands/unlink-credential-agent/unlink-credential-agent.command.js';
export { type CredentialView, GetCredentialQuery } from './queries/get-credential/get-credential.query.js';
export { ListCredentialsQuery } from './queries/list-credentials/list-credentials.query.js';
export * from './domain/events/index.js';
