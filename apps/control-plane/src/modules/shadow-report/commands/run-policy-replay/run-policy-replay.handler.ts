import { create } from '@bufbuild/protobuf';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EnforcerConfigSchema } from '@thoth/contracts';
import { compilePolicy } from '@thoth/policy';
import { tenantContextOf } from '@thoth/snapshot';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { enforcerConfigOf } from '../../../../distribution/index.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { LOGGER } from '../../../../platform/tokens.js';
import { DomainError } from '../../../../shared/domain/domain-error.js';
import { AgentsRepository } from '../../../agents/index.js';
import { BaselinesRepository } from '../../../credential-governance/index.js';
import { CredentialsRepository } from '../../../credentials/index.js';
import { type DecisionRecord, DecisionRecordsRepository } from '../../../decisions/index.js';
import { assertValidPolicySource, PolicyError, PoliciesRepository } from '../../../policies/index.js';
import { TenantsRepository } from '../../../tenants/index.js';
import { MAX_REPLAY_CALLS, POLICY_REPLAY_SCHEMA_VERSION, replayDecisions } from '../../domain/policy-replay.js';
import { checkWindow, defaultWindow } from '../../domain/report-window.js';
import { ShadowReportError } from '../../domain/shadow-report.errors.js';
import { PolicyReplaysRepository } from '../../storage/policy-replays.repository.js';
import { readDecisionWindow } from '../decision-window.js';
import { RunPolicyReplayCommand } from './run-policy-replay.command.js';

/**
 * The candidate is bound to the tenant exactly as the snapshot builder binds the published
 * policy (agent directory by name, active credentials and their bindings, learned baselines
 * for drift checks), in enforce mode,
 * and replayed over the window's recorded decisions in time order.
 */
@CommandHandler(RunPolicyReplayCommand)
export class RunPolicyReplayHandler implements ICommandHandler<RunPolicyReplayCommand> {
  constructor(
    @Inject(DecisionRecordsRepository) private readonly decisions: DecisionRecordsRepository,
    @Inject(TenantsRepository) private readonly tenants: TenantsRepository,
    @Inject(PoliciesRepository) private readonly policies: PoliciesRepository,
    @Inject(AgentsRepository) private readonly agents: AgentsRepository,
    @Inject(CredentialsRepository) private readonly credentials: CredentialsRepository,
    @Inject(BaselinesRepository) private readonly baselines: BaselinesRepository,
    @Inject(PolicyReplaysRepository) private readonly replays: PolicyReplaysRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute({ caller, source, format, baseline, window: asked }: RunPolicyReplayCommand): Promise<{ replayId: string }> {
    const started = performance.now();
    const { contentHash } = assertValidPolicySource(source, format);
    const { tenantId } = caller;
    const tenant = await this.tenants.findTenant(tenantId);
    if (!tenant) throw new DomainError('tenant.not_found', 'not_found', 'no such tenant');
    const now = this.clock.now();
    const window = checkWindow(asked ?? defaultWindow(tenant, now, false));

    const [policy, agentRows, credentialRows, baselineRows] = await Promise.all([
      this.policies.findCurrent(tenantId),
      this.agents.list(tenantId, {}),
      // Every credential, as the snapshot builder reads them: revoked and rotated-out ones are refused too.
      this.credentials.list(tenantId, {}),
      this.baselines.list(tenantId),
    ]);
    const config = create(EnforcerConfigSchema, enforcerConfigOf({ tenant, policy, agents: agentRows, credentials: credentialRows, baselines: baselineRows }));
    const tenantContext = { ...tenantContextOf(config), mode: 'enforce' as const };
    const compiled = compilePolicy(source, { format, tenant: tenantContext });
    if (!compiled.ok) {
      throw new PolicyError('policy.invalid', 'invalid', `policy is invalid for this tenant: ${compiled.errors.length} problem(s)`, compiled.errors);
    }

    const records: DecisionRecord[] = [];
    const complete = await readDecisionWindow(this.decisions, tenantId, window, MAX_REPLAY_CALLS, (r) => records.push(r));
    if (!complete) {
      throw new ShadowReportError(
        'policy_replay.too_many_calls',
        'invalid',
        `the window holds more than ${MAX_REPLAY_CALLS} decisions; a replay re-decides at most that many: choose a shorter window`,
        '/window',
      );
    }
    const result = replayDecisions(records, {
      window,
      baseline,
      policy: compiled.policy,
      contentHash,
      format,
      boundTo: { agents: agentRows.length, credentials: credentialRows.length },
      failMode: tenant.failMode,
    });
    const replayId = randomUUID();
    await this.replays.insert({
      replayId,
      tenantId,
      windowFrom: window.from,
      windowTo: window.to,
      requestedAt: now,
      requestedBy: caller.actor,
      candidateFormat: format,
      candidateSource: source,
      candidateHash: contentHash,
      calls: result.totals.replayed,
      changed: result.totals.changed,
      schemaVersion: POLICY_REPLAY_SCHEMA_VERSION,
      result,
    });
    this.logger.info({ tenantId, replayId, calls: result.totals.replayed, changed: result.totals.changed, ms: Math.round(performance.now() - started) }, 'policy replayed');
    return { replayId };
  }
}
