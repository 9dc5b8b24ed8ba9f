import { Command } from '@nestjs/cqrs';

/** The day-seven shadow report was produced: GET /v1/tenant names it from now on. */
export class RecordTrialReportCommand extends Command<void> {
  constructor(
    readonly tenantId: string,
    readonly reportId: string,
  ) {
    super();
  }
}
