import { Inject } from '@nestjs/common';
import { CommandBus, EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { EventRecorded } from '../../../../event-store/event-store.js';
import { RecordTrialReportCommand, TRIAL_SCHEDULER, TrialEnded, TrialReportFailed, TrialReportRetried, TrialsRepository, trialWindow } from '../../../trial/index.js';
import { GenerateShadowReportCommand } from './generate-shadow-report.command.js';

/**
 * The trial's day seven, announced by the trial itself: when this replica's trial scheduler wins
 * the claim it appends trial.ended (or trial.report_retried after the lease), and this produces
 * the shadow report over the trial window and records it on the trial. A failure is said with
 * TrialReportFailed (the scheduler's pass reports it); the trial's lease brings another attempt.
 * Only the replica that appended hears the event, so the report is produced once per claim.
 */
@EventsHandler(EventRecorded)
export class DaySevenReportTrigger implements IEventHandler<EventRecorded> {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(TrialsRepository) private readonly trials: TrialsRepository,
  ) {}

  handle({ record }: EventRecorded): void {
    if (record.type !== TrialEnded.type && record.type !== TrialReportRetried.type) return;
    void this.#report(record.tenantId);
  }

  async #report(tenantId: string): Promise<void> {
    try {
      const trial = await this.trials.find(tenantId);
      if (!trial) throw new Error(`tenant ${tenantId} has no trial`);
      const { reportId } = await this.commands.execute(new GenerateShadowReportCommand(tenantId, 'trial_ended', TRIAL_SCHEDULER, trialWindow(trial.endsAt)));
      await this.commands.execute(new RecordTrialReportCommand(tenantId, reportId));
    } catch (error) {
      this.events.publish(new TrialReportFailed(tenantId, error));
    }
  }
}
