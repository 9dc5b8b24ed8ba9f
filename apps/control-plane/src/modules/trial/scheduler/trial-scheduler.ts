import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from '../../../config/config.js';
import { Clock } from '../../../platform/clock/clock.js';
import { PeriodicPass } from '../../../platform/scheduling/periodic-pass.js';
import { CONFIG, LOGGER } from '../../../platform/tokens.js';
import { ClaimTrialReportCommand } from '../commands/claim-trial-report/claim-trial-report.command.js';
import { TrialsRepository } from '../storage/trials.repository.js';
import { TrialReportOutcomes } from './trial-report-outcomes.js';

/** What one pass of the scheduler did. */
export interface TrialRun {
  /** Trials whose day-seven report this replica produced and recorded. */
  readonly reported: ReadonlyArray<{ readonly tenantId: string; readonly reportId: string; readonly attempt: number }>;
  /** Claimed but the report failed: another attempt follows after the lease. */
  readonly failed: ReadonlyArray<{ readonly tenantId: string; readonly error: string }>;
  /** Due, but claimed by another replica (or by this one, still within its lease). */
  readonly skipped: readonly string[];
}

/** How long a claim holds before another replica may try the report again. */
export const REPORT_LEASE_MS = 5 * 60 * 1000;
const BATCH = 100;

/**
 * Ends trials on the injectable Clock. Each pass finds the trials whose end has passed and whose
 * report is missing (across tenants, through a SECURITY DEFINER function), claims each on the
 * tenant's trial stream — optimistic concurrency makes exactly one replica win. The winner's
 * claim appends trial.ended (or trial.report_retried after the lease), which announces day seven
 * on that replica's EventBus: the shadow-report context produces the report over the trial
 * window and records it here (RecordTrialReportCommand), or says TrialReportFailed. The pass
 * waits for that outcome (TrialReportOutcomes) before the next tenant, as it waited for the
 * report before. The tenant stays in shadow mode: switching to enforce is the tenant's call.
 * `runDue()` is the pass (tests drive it); in production it runs every config.trial.tickMs.
 */
@Injectable()
export class TrialScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #passes: PeriodicPass<TrialRun>;
  readonly #log: Logger;

  constructor(
    @Inject(TrialsRepository) private readonly trials: TrialsRepository,
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(TrialReportOutcomes) private readonly outcomes: TrialReportOutcomes,
  ) {
    this.#log = logger.child({ component: 'trial-scheduler' });
    this.#passes = new PeriodicPass(() => this.#pass(), this.#log, 'trial scheduler pass failed; the next tick tries again');
  }

  onApplicationBootstrap(): void {
    const tickMs = this.config.trial?.tickMs;
    if (tickMs === undefined) return;
    this.#passes.start(tickMs);
    this.#log.info({ tickMs }, 'trial scheduler started');
  }

  onApplicationShutdown(): Promise<void> {
    return this.#passes.stop();
  }

  /** One pass; a pass already running is joined, not doubled. */
  runDue(): Promise<TrialRun> {
    return this.#passes.run();
  }

  async #pass(): Promise<TrialRun> {
    const now = this.clock.now();
    const due = await this.trials.due(now, new Date(now.getTime() - REPORT_LEASE_MS), BATCH);
    const run = { reported: [] as Array<TrialRun['reported'][number]>, failed: [] as Array<TrialRun['failed'][number]>, skipped: [] as string[] };
    for (const tenantId of due) {
      // Waiting starts before the claim: its announcement may be answered before the claim returns.
      const outcome = this.outcomes.expect(tenantId, REPORT_LEASE_MS);
      const claim = await this.commands.execute(new ClaimTrialReportCommand(tenantId, REPORT_LEASE_MS)).catch((error: unknown) => {
        this.outcomes.forget(tenantId);
        throw error;
      });
      if (!claim.claimed) {
        this.outcomes.forget(tenantId);
        run.skipped.push(tenantId);
        continue;
      }
      if (claim.attempt === 1) this.#log.info({ tenantId, endsAt: claim.window.to }, 'trial ended; producing its shadow report (the tenant stays in shadow mode)');
      const result = await outcome;
      if ('reportId' in result) {
        run.reported.push({ tenantId, reportId: result.reportId, attempt: claim.attempt });
        this.#log.info({ tenantId, reportId: result.reportId, attempt: claim.attempt }, 'day-seven shadow report recorded');
      } else {
        run.failed.push({ tenantId, error: (result.error as Error).message });
        this.#log.error({ err: result.error, tenantId, attempt: claim.attempt, retryInMs: REPORT_LEASE_MS }, 'day-seven shadow report failed; another attempt after the lease');
      }
    }
    return run;
  }
}
