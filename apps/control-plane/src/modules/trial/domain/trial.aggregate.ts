import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { DomainError } from '../../../shared/domain/domain-error.js';
import { TrialEnded, type TrialEvent, TrialReportRecorded, TrialReportRetried } from './events/index.js';

export const trialStreamId = (tenantId: string): string => `trial-${tenantId}`;

/**
 * A tenant's seven-day shadow trial, after its end: recording the end once, and the day-seven
 * report. Its stream holds nothing while the trial runs (the end comes from the sign-up), so
 * an empty history is a running trial, not an error.
 */
export class Trial extends AggregateRoot<TrialEvent> {
  #endedAt: Date | undefined;
  #attempts = 0;
  #requestedAt: Date | undefined;
  #reportId: string | undefined;

  static fromHistory(history: readonly RecordedEvent[]): Trial {
    return new Trial().loadFrom(history);
  }

  get ended(): boolean {
    return this.#endedAt !== undefined;
  }
  get reportId(): string | undefined {
    return this.#reportId;
  }
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Claims producing the day-seven report: records the end at the first claim, then, while no
   * report is recorded, another attempt once `retryAfterMs` have passed since the last one (the
   * replica that claimed may have died). False when there is nothing to claim now. The caller
   * appends at the loaded version, so of two replicas claiming at once only one succeeds.
   */
  claimReport(input: { endsAt: Date; now: Date; retryAfterMs: number }): boolean {
    const { endsAt, now, retryAfterMs } = input;
    if (this.#reportId !== undefined || now < endsAt) return false;
    if (this.#endedAt === undefined) {
      this.raise(new TrialEnded({ endsAt: endsAt.toISOString(), endedAt: now.toISOString() }));
      return true;
    }
    if (now.getTime() - this.#requestedAt!.getTime() < retryAfterMs) return false;
    this.raise(new TrialReportRetried({ attempt: this.#attempts + 1, requestedAt: now.toISOString() }));
    return true;
  }

  recordReport(reportId: string, now: Date): void {
    if (this.#endedAt === undefined) throw new DomainError('trial.not_ended', 'conflict', 'the trial has not ended: its report is not due');
    if (this.#reportId === reportId) return;
    if (this.#reportId !== undefined) throw new DomainError('trial.report_recorded', 'conflict', `the trial's report is already ${this.#reportId}`);
    this.raise(new TrialReportRecorded({ reportId, recordedAt: now.toISOString() }));
  }

  protected apply(event: TrialEvent): void {
    switch (event.type) {
      case 'trial.ended':
        this.#endedAt = new Date(event.payload.endedAt);
        this.#requestedAt = this.#endedAt;
        this.#attempts = 1;
        return;
      case 'trial.report_retried':
        this.#attempts = event.payload.attempt;
        this.#requestedAt = new Date(event.payload.requestedAt);
        return;
      case 'trial.report_recorded':
        this.#reportId = event.payload.reportId;
        return;
    }
  }
}
