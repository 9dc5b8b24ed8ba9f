import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { loadAggregate, saveAggregate } from '../../../../event-store/aggregate-store.js';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { Trial, trialStreamId } from '../../domain/trial.aggregate.js';
import { TRIAL_SCHEDULER } from '../claim-trial-report/claim-trial-report.handler.js';
import { RecordTrialReportCommand } from './record-trial-report.command.js';

@CommandHandler(RecordTrialReportCommand)
export class RecordTrialReportHandler implements ICommandHandler<RecordTrialReportCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ tenantId, reportId }: RecordTrialReportCommand): Promise<void> {
    const caller = { tenantId, actor: TRIAL_SCHEDULER, requestId: `trial-scheduler-${randomUUID()}` };
    const stream = trialStreamId(tenantId);
    // A retry claimed by another replica may append meanwhile: reload once and record on top of it.
    for (let attempt = 1; ; attempt++) {
      const trial = await loadAggregate(this.store, caller, stream, Trial.fromHistory);
      trial.recordReport(reportId, this.clock.now());
      try {
        await saveAggregate(this.store, caller, stream, trial);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt === 2) throw error;
      }
    }
  }
}
