import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface TrialReportRecordedPayload {
  readonly reportId: string;
  readonly recordedAt: string;
}

/** The day-seven shadow report exists: GET /v1/tenant names it. */
export class TrialReportRecorded extends DomainEventClass('trial.report_recorded')<TrialReportRecordedPayload> {}
