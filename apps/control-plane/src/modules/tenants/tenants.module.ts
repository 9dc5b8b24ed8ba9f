import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { ApiKeysController } from './api/api-keys.controller.js';
import { TenantsController } from './api/tenants.controller.js';
import { ChooseFailModeHandler } from './commands/choose-fail-mode/choose-fail-mode.handler.js';
import { IssueApiKeyHandler } from './commands/issue-api-key/issue-api-key.handler.js';
import { RevokeApiKeyHandler } from './commands/revoke-api-key/revoke-api-key.handler.js';
import { SetRetentionHandler } from './commands/set-retention/set-retention.handler.js';
import { SignUpTenantHandler } from './commands/sign-up-tenant/sign-up-tenant.handler.js';
import { SwitchTenantModeHandler } from './commands/switch-tenant-mode/switch-tenant-mode.handler.js';
import { TenantsProjection } from './storage/tenants.projection.js';
import { TenantsRepository } from './storage/tenants.repository.js';
import { GetTenantHandler } from './queries/get-tenant/get-tenant.handler.js';
import { ListApiKeysHandler } from './queries/list-api-keys/list-api-keys.handler.js';

/**
 * The Tenant context: sign-up and the shadow trial, mode and fail mode, retention, API keys. GET /v1/tenant
 * reads the trial's end through TrialProgress, which the (global) TrialModule provides.
 */
@Module({
  controllers: [TenantsController, ApiKeysController],
  providers: [
    { provide: TenantsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new TenantsRepository(db) },
    TenantsProjection,
    SignUpTenantHandler,
    SwitchTenantModeHandler,
    ChooseFailModeHandler,
    SetRetentionHandler,
    IssueApiKeyHandler,
    RevokeApiKeyHandler,
    GetTenantHandler,
    ListApiKeysHandler,
  ],
  exports: [TenantsRepository],
})
export class TenantsModule {}
