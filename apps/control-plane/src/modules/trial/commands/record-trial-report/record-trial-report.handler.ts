import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Trial, trialStreamId } from '../../domain/trial.aggregate.js';
import { TRIAL_SCHEDULER } from '../claim-trial-report/claim-trial-report.handler.js';
import { RecordTrialReportCommand } from './record-trial-report.command.js';

@CommandHandler(RecordTrialReportCommand)
export class RecordTrialReportHandler extends AggregateCommandHandler implements ICommandHandler<RecordTrialReportCommand> {
  async execute({ tenantId, reportId }: RecordTrialReportCommand): Promise<void> {
    const caller = { tenantId, actor: TRIAL_SCHEDULER, requestId: `trial-scheduler-${randomUUID()}` };
    // A retry claimed by another replica may append meanwhile: reload once and record on top of it.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.change(caller, trialStreamId(tenantId), Trial.fromHistory, undefined, (trial, now) => trial.recordReport(reportId, now));
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt === 2) throw error;
      }
    }
  }
}
