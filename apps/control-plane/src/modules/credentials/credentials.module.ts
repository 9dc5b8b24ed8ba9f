import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { CredentialsController } from './api/credentials.controller.js';
import { LinkCredentialAgentHandler } from './commands/link-credential-agent/link-credential-agent.handler.js';
import { RegisterCredentialHandler } from './commands/register-credential/register-credential.handler.js';
import { RevokeCredentialHandler } from './commands/revoke-credential/revoke-credential.handler.js';
import { RotateCredentialHandler } from './commands/rotate-credential/rotate-credential.handler.js';
import { UnlinkCredentialAgentHandler } from './commands/unlink-credential-agent/unlink-credential-agent.handler.js';
import { CredentialsProjection } from './storage/credentials.projection.js';
import { CredentialsRepository } from './storage/credentials.repository.js';
import { GetCredentialHandler } from './queries/get-credential/get-credential.handler.js';
import { ListCredentialsHandler } from './queries/list-credentials/list-credentials.handler.js';

/** The Credential context: fingerprints of the secrets agents use, what they may touch and from where. */
@Module({
  controllers: [CredentialsController],
  providers: [
    { provide: CredentialsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new CredentialsRepository(db) },
    CredentialsProjection,
    RegisterCredentialHandler,
    LinkCredentialAgentHandler,
    UnlinkCredentialAgentHandler,
    RotateCredentialHandler,
    RevokeCredentialHandler,
    GetCredentialHandler,
    ListCredentialsHandler,
  ],
  exports: [CredentialsRepository],
})
export class CredentialsModule {}
