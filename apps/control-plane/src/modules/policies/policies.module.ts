import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { PoliciesController } from './api/policies.controller.js';
import { PublishPolicyHandler } from './commands/publish-policy/publish-policy.handler.js';
import { RollBackPolicyHandler } from './commands/roll-back-policy/roll-back-policy.handler.js';
import { SetPolicyModeHandler } from './commands/set-policy-mode/set-policy-mode.handler.js';
import { PoliciesProjection } from './storage/policies.projection.js';
import { PoliciesRepository } from './storage/policies.repository.js';
import { DiffPolicyVersionsHandler } from './queries/diff-policy-versions/diff-policy-versions.handler.js';
import { GetPolicyVersionHandler } from './queries/get-policy-version/get-policy-version.handler.js';
import { GetPolicyHandler } from './queries/get-policy/get-policy.handler.js';
import { ListPolicyVersionsHandler } from './queries/list-policy-versions/list-policy-versions.handler.js';
import { ValidatePolicyHandler } from './queries/validate-policy/validate-policy.handler.js';

/** The Policy context: the tenant's one policy document, its versions, rollbacks and mode. */
@Module({
  controllers: [PoliciesController],
  providers: [
    { provide: PoliciesRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new PoliciesRepository(db) },
    PoliciesProjection,
    PublishPolicyHandler,
    RollBackPolicyHandler,
    SetPolicyModeHandler,
    ValidatePolicyHandler,
    GetPolicyHandler,
    GetPolicyVersionHandler,
    ListPolicyVersionsHandler,
    DiffPolicyVersionsHandler,
  ],
  exports: [PoliciesRepository],
})
export class PoliciesModule {}
