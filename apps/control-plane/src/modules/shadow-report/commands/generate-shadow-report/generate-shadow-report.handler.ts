import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Clock } from '../../../../platform/clock/clock.js';
import { LOGGER } from '../../../../platform/tokens.js';
import { DomainError } from '../../../../shared/domain/domain-error.js';
import { ClassifyCredentialUsageQuery, UsageTally } from '../../../credential-governance/index.js';
import { DecisionRecordsRepository } from '../../../decisions/index.js';
import { PoliciesRepository } from '../../../policies/index.js';
import { TenantsRepository } from '../../../tenants/index.js';
import { checkWindow, defaultWindow } from '../../domain/report-window.js';
import { ShadowReportError } from '../../domain/shadow-report.errors.js';
import { SHADOW_REPORT_SCHEMA_VERSION, ShadowReportBuilder } from '../../domain/shadow-report.js';
import { ShadowReportsRepository } from '../../storage/shadow-reports.repository.js';
import { readDecisionWindow } from '../decision-window.js';
import { GenerateShadowReportCommand } from './generate-shadow-report.command.js';

/** Most decisions one report reads; a larger window is refused (shadow_report.too_many_decisions). */
export const MAX_REPORT_DECISIONS = 2_000_000;

/**
 * Reads the window's decisions from the read model, builds the report (with the recommended
 * policy, which keeps the guardrails of the policy in force, and the credential findings, which
 * credential governance classifies from the window's usage) and stores it, once.
 */
@CommandHandler(GenerateShadowReportCommand)
export class GenerateShadowReportHandler implements ICommandHandler<GenerateShadowReportCommand> {
  constructor(
    @Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository,
    @Inject(TenantsRepository) private readonly tenants: TenantsRepository,
    @Inject(PoliciesRepository) private readonly policies: PoliciesRepository,
    @Inject(ShadowReportsRepository) private readonly reports: ShadowReportsRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  async execute({ tenantId, trigger, actor, window: asked }: GenerateShadowReportCommand): Promise<{ reportId: string }> {
    const started = performance.now();
    const tenant = await this.tenants.findTenant(tenantId);
    if (!tenant) throw new DomainError('tenant.not_found', 'not_found', 'no such tenant');
    const now = this.clock.now();
    const window = checkWindow(asked ?? defaultWindow(tenant, now, trigger === 'trial_ended'));
    const builder = new ShadowReportBuilder(window);
    const usage = new UsageTally();
    const complete = await readDecisionWindow(this.decisions, tenantId, window, MAX_REPORT_DECISIONS, (r) => {
      builder.add(r);
      usage.add(r);
    });
    if (!complete) {
      throw new ShadowReportError(
        'shadow_report.too_many_decisions',
        'invalid',
        `the window holds more than ${MAX_REPORT_DECISIONS} decisions; a report covers at most that many: choose a shorter window`,
        '/window',
      );
    }
    const [current, inventory] = await Promise.all([this.policies.findCurrent(tenantId), this.queries.execute(new ClassifyCredentialUsageQuery(tenantId, usage.deltas()))]);
    const report = builder.build(now, current ? { version: current.current.version, format: current.current.format, source: current.current.source } : undefined, inventory);
    const reportId = randomUUID();
    await this.reports.insert({
      reportId,
      tenantId,
      trigger,
      windowFrom: window.from,
      windowTo: window.to,
      generatedAt: now,
      generatedBy: actor,
      calls: report.totals.calls,
      blocked: report.wouldBlock.calls,
      schemaVersion: SHADOW_REPORT_SCHEMA_VERSION,
      report,
    });
    this.logger.info(
      { tenantId, reportId, trigger, actor, calls: report.totals.calls, wouldBlock: report.wouldBlock.calls, ms: Math.round(performance.now() - started) },
      'shadow report generated',
    );
    return { reportId };
  }
}
