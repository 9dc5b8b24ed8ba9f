import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface TrialReportRetriedPayload {
  /** 2, 3, …: the first attempt is TrialEnded's. */
  readonly attempt: number;
  readonly requestedAt: string;
}

/** The day-seven report was not recorded within the lease after the last attempt: a replica claimed another. */
export class TrialReportRetried extends DomainEventClass('trial.report_retried')<TrialReportRetriedPayload> {}
