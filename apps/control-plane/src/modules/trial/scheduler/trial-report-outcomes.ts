import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { EventRecorded } from '../../../event-store/event-store.js';
import { TrialReportRecorded, type TrialReportRecordedPayload } from '../domain/events/index.js';

/**
 * Said in process (on the cqrs EventBus, never stored) by the context that produces the
 * day-seven report (shadow-report) when it could not: the claim's lease runs out and a replica
 * claims another attempt (trial.report_retried).
 */
export class TrialReportFailed {
  constructor(
    readonly tenantId: string,
    readonly error: unknown,
  ) {}
}

export type TrialReportOutcome = { readonly reportId: string } | { readonly error: unknown };

/**
 * How the scheduler's pass learns what became of the report it announced (trial.ended or
 * trial.report_retried on this replica's EventBus): trial.report_recorded (the producer ran
 * RecordTrialReportCommand), or TrialReportFailed.
 */
@EventsHandler(EventRecorded, TrialReportFailed)
export class TrialReportOutcomes implements IEventHandler<EventRecorded | TrialReportFailed> {
  readonly #waiting = new Map<string, { resolve: (outcome: TrialReportOutcome) => void; timer: NodeJS.Timeout }>();

  /**
   * Call before the claim: the outcome may be said before the claim's own promise settles.
   * Nothing said within `timeoutMs` (no producer answered, or it hung) is a failure, so a
   * pass never waits longer than the claim's lease.
   */
  expect(tenantId: string, timeoutMs: number): Promise<TrialReportOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(tenantId, { error: new Error(`no day-seven report within ${timeoutMs} ms of the announcement`) }), timeoutMs);
      timer.unref();
      this.#waiting.set(tenantId, { resolve, timer });
    });
  }

  forget(tenantId: string): void {
    clearTimeout(this.#waiting.get(tenantId)?.timer);
    this.#waiting.delete(tenantId);
  }

  handle(event: EventRecorded | TrialReportFailed): void {
    if (event instanceof TrialReportFailed) return this.#settle(event.tenantId, { error: event.error });
    if (event.record.type !== TrialReportRecorded.type) return;
    this.#settle(event.record.tenantId, { reportId: (event.record.payload as TrialReportRecordedPayload).reportId });
  }

  #settle(tenantId: string, outcome: TrialReportOutcome): void {
    const waiting = this.#waiting.get(tenantId);
    if (!waiting) return;
    this.forget(tenantId);
    waiting.resolve(outcome);
  }
}
