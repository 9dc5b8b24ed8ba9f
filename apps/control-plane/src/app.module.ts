import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DistributionModule, type ReceiptKeySink } from './distribution/index.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { AgentsModule } from './modules/agents/index.js';
import { AlertsModule } from './modules/alerts/index.js';
import { ApprovalsModule } from './modules/approvals/index.js';
import { AuditModule } from './modules/audit/index.js';
import { CredentialGovernanceModule } from './modules/credential-governance/index.js';
import { CredentialsModule } from './modules/credentials/index.js';
import { DecisionsModule, type InProcessDecisionFeed } from './modules/decisions/index.js';
import { EnforcersModule } from './modules/enforcers/index.js';
import { PoliciesModule } from './modules/policies/index.js';
import { ShadowReportModule } from './modules/shadow-report/index.js';
import { TenantsModule } from './modules/tenants/index.js';
import { TrialModule } from './modules/trial/index.js';
import { PlatformModule, type PlatformDependencies } from './platform/platform.module.js';

/** The control plane: the platform, the event store on it, then one module per bounded context. */
@Module({})
export class AppModule {
  static forRoot(dependencies: PlatformDependencies & { decisionFeed?: InProcessDecisionFeed; receiptKeySink?: ReceiptKeySink }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        PlatformModule.forRoot(dependencies),
        EventStoreModule,
        TenantsModule,
        TrialModule,
        AuditModule,
        AgentsModule,
        CredentialsModule,
        PoliciesModule,
        EnforcersModule,
        // Credential inventory from traffic, learned baselines for drift (needs the decision read model).
        CredentialGovernanceModule,
        ShadowReportModule,
        // The decision read model, fed from Kafka (config.decisions) or the embedded in-process log.
        DecisionsModule.forRoot({
          ...(dependencies.config.decisions ? { kafka: dependencies.config.decisions.kafka } : {}),
          ...(dependencies.decisionFeed ? { feed: dependencies.decisionFeed } : {}),
        }),
        // Approvals of held calls (docs/approvals.md): their keys derive from the snapshot key, so with distribution.
        ...(dependencies.config.distribution
          ? [
              ApprovalsModule.forRoot({
                distribution: dependencies.config.distribution,
                publicUrl: dependencies.config.publicUrl ?? '',
                ...(dependencies.config.decisions ? { decisions: dependencies.config.decisions } : {}),
                ...(dependencies.decisionFeed?.publish ? { decisionLog: { publish: dependencies.decisionFeed.publish.bind(dependencies.decisionFeed) } } : {}),
              }),
            ]
          : []),
        // SOC alerts on blocks and drift, when configured (loadConfig always does).
        ...(dependencies.config.alerts ? [AlertsModule.forRoot(dependencies.config.alerts)] : []),
        // The config stream to enforcers, when configured (loadConfig always does).
        ...(dependencies.config.distribution ? [DistributionModule.forRoot(dependencies.config.distribution, dependencies.receiptKeySink ? { receiptKeySink: dependencies.receiptKeySink } : {})] : []),
      ],
    };
  }
}
