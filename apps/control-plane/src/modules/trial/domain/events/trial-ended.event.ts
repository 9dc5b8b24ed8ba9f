import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export interface TrialEndedPayload {
  /** The end the tenant signed up with (sign-up + seven days). */
  readonly endsAt: string;
  /** When a replica's scheduler recorded it (on or after endsAt). */
  readonly endedAt: string;
}

/**
 * Day seven has passed and the day-seven shadow report is being produced. Recorded once per
 * tenant: the first event of the trial stream, appended at version 0 — a second replica's
 * append of it fails on the stream version. The tenant's mode does not change.
 */
export class TrialEnded extends DomainEventClass('trial.ended')<TrialEndedPayload> {}
