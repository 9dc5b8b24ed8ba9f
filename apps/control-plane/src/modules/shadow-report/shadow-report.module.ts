import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { AgentsModule } from '../agents/index.js';
import { CredentialGovernanceModule } from '../credential-governance/index.js';
import { CredentialsModule } from '../credentials/index.js';
import { PoliciesModule } from '../policies/index.js';
import { TenantsModule } from '../tenants/index.js';
import { PolicyReplaysController } from './api/policy-replays.controller.js';
import { ShadowReportsController } from './api/shadow-reports.controller.js';
import { DaySevenReportTrigger } from './commands/generate-shadow-report/day-seven-report.trigger.js';
import { GenerateShadowReportHandler } from './commands/generate-shadow-report/generate-shadow-report.handler.js';
import { IssueViewLinkHandler } from './commands/issue-view-link/issue-view-link.handler.js';
import { RevokeViewLinkHandler } from './commands/revoke-view-link/revoke-view-link.handler.js';
import { RunPolicyReplayHandler } from './commands/run-policy-replay/run-policy-replay.handler.js';
import { GetPolicyReplayHandler } from './queries/get-policy-replay/get-policy-replay.handler.js';
import { GetShadowReportHandler } from './queries/get-shadow-report/get-shadow-report.handler.js';
import { ListPolicyReplaysHandler } from './queries/list-policy-replays/list-policy-replays.handler.js';
import { ListShadowReportsHandler } from './queries/list-shadow-reports/list-shadow-reports.handler.js';
import { OpenReportPageHandler } from './queries/open-report-page/open-report-page.handler.js';
import { PolicyReplaysRepository } from './storage/policy-replays.repository.js';
import { ShadowReportsRepository } from './storage/shadow-reports.repository.js';
import { ViewLinksProjection } from './storage/view-links.projection.js';

/**
 * The shadow report (JSON, web page with view links, recommended policy) and policy replay,
 * both read from the decision read model. The trial's day-seven report is produced here when the
 * trial announces its end (DaySevenReportTrigger on trial.ended; TrialModule, global, provides
 * the trial read model it reads the window from).
 */
@Module({
  imports: [TenantsModule, AgentsModule, CredentialsModule, PoliciesModule, CredentialGovernanceModule],
  controllers: [ShadowReportsController, PolicyReplaysController],
  providers: [
    { provide: ShadowReportsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new ShadowReportsRepository(db) },
    { provide: PolicyReplaysRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new PolicyReplaysRepository(db) },
    GenerateShadowReportHandler,
    DaySevenReportTrigger,
    IssueViewLinkHandler,
    RevokeViewLinkHandler,
    ViewLinksProjection,
    RunPolicyReplayHandler,
    GetShadowReportHandler,
    ListShadowReportsHandler,
    OpenReportPageHandler,
    GetPolicyReplayHandler,
    ListPolicyReplaysHandler,
  ],
  exports: [ShadowReportsRepository],
})
export class ShadowReportModule {}
