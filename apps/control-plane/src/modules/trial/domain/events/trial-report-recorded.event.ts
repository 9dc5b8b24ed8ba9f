export interface TrialReportRecordedPayload {
  readonly reportId: string;
  readonly recordedAt: string;
}

/** The day-seven shadow report exists: GET /v1/tenant names it. */
export class TrialReportRecorded {
  static readonly type = 'trial.report_recorded';
  static readonly schemaVersion = 1;
  readonly type = TrialReportRecorded.type;
  readonly schemaVersion = TrialReportRecorded.schemaVersion;
  constructor(readonly payload: TrialReportRecordedPayload) {}
}
