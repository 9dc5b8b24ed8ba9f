import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { TRIAL_DAYS } from '../../../tenants/index.js';
import { Trial, trialStreamId } from '../../domain/trial.aggregate.js';
import { TrialsRepository } from '../../storage/trials.repository.js';
import { ClaimTrialReportCommand, type TrialReportClaim } from './claim-trial-report.command.js';

export const TRIAL_SCHEDULER = 'system:trial-scheduler';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The trial's window, [sign-up, end): what the day-seven report covers. */
export const trialWindow = (endsAt: Date): { from: Date; to: Date } => ({ from: new Date(endsAt.getTime() - TRIAL_DAYS * DAY_MS), to: endsAt });

@CommandHandler(ClaimTrialReportCommand)
export class ClaimTrialReportHandler implements ICommandHandler<ClaimTrialReportCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(TrialsRepository) private readonly trials: TrialsRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, retryAfterMs }: ClaimTrialReportCommand): Promise<TrialReportClaim> {
    const row = await this.trials.find(tenantId);
    if (!row) return { claimed: false };
    const caller = { tenantId, actor: TRIAL_SCHEDULER, requestId: `trial-scheduler-${randomUUID()}` };
    const stream = trialStreamId(tenantId);
    const trial = await loadAggregate(this.store, caller, stream, Trial.fromHistory);
    if (!trial.claimReport({ endsAt: row.endsAt, now: this.clock.now(), retryAfterMs })) return { claimed: false };
    try {
      await saveAggregate(this.store, caller, stream, trial);
    } catch (error) {
      // Another replica claimed first: it produces the report.
      if (error instanceof ConcurrencyError) return { claimed: false };
      throw error;
    }
    return { claimed: true, attempt: trial.attempts, window: trialWindow(row.endsAt) };
  }
}
