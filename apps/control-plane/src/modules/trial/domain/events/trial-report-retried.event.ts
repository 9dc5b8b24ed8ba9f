export interface TrialReportRetriedPayload {
  /** 2, 3, …: the first attempt is TrialEnded's. */
  readonly attempt: number;
  readonly requestedAt: string;
}

/** The day-seven report was not recorded within the lease after the last attempt: a replica claimed another. */
export class TrialReportRetried {
  static readonly type = 'trial.report_retried';
  static readonly schemaVersion = 1;
  readonly type = TrialReportRetried.type;
  readonly schemaVersion = TrialReportRetried.schemaVersion;
  constructor(readonly payload: TrialReportRetriedPayload) {}
}
