import { ShadowReportError } from './shadow-report.errors.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Longest window a report or a replay covers. */
export const MAX_WINDOW_DAYS = 31;

/** The default window: the seven days of a shadow trial. */
export const TRIAL_DAYS = 7;

/** A half-open window of decision times, [from, to). */
export interface ReportWindow {
  readonly from: Date;
  readonly to: Date;
}

/** Checks a window a caller asked for; `field` names it in the error (a JSON pointer). */
export function checkWindow(window: ReportWindow, field = '/window'): ReportWindow {
  const { from, to } = window;
  if (!(to.getTime() > from.getTime())) {
    throw new ShadowReportError('shadow_report.window_invalid', 'invalid', `the window must end after it starts (from ${from.toISOString()}, to ${to.toISOString()})`, field);
  }
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw new ShadowReportError('shadow_report.window_too_long', 'invalid', `the window is longer than ${MAX_WINDOW_DAYS} days`, field);
  }
  return window;
}

/** The last `days` days up to `now`. */
export function lastDays(now: Date, days = TRIAL_DAYS): ReportWindow {
  return { from: new Date(now.getTime() - days * DAY_MS), to: now };
}

/**
 * The time axes of a report: UTC days from the day `from` falls in, UTC hours from the hour
 * it falls in, until `to`. Bucket i of days starts at dayStart + i days.
 */
export interface TimeAxes {
  readonly dayStart: number;
  readonly days: number;
  readonly hourStart: number;
  readonly hours: number;
}

export function timeAxes(window: ReportWindow): TimeAxes {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const dayStart = Math.floor(from / DAY_MS) * DAY_MS;
  const hourStart = Math.floor(from / HOUR_MS) * HOUR_MS;
  return {
    dayStart,
    days: Math.max(1, Math.ceil((to - dayStart) / DAY_MS)),
    hourStart,
    hours: Math.max(1, Math.ceil((to - hourStart) / HOUR_MS)),
  };
}

/** `YYYY-MM-DD` of each day on the axis. */
export function dayLabels(axes: TimeAxes): string[] {
  return Array.from({ length: axes.days }, (_, i) => new Date(axes.dayStart + i * DAY_MS).toISOString().slice(0, 10));
}

/**
 * The window a report or replay covers when the caller names none: the trial from sign-up to
 * its end for the day-seven report; while the trial runs, the trial so far; after it, the last
 * seven days.
 */
export function defaultWindow(trial: { readonly signedUpAt: Date; readonly trialEndsAt: Date }, now: Date, trialEnded: boolean): ReportWindow {
  if (trialEnded) return { from: trial.signedUpAt, to: trial.trialEndsAt };
  if (now.getTime() < trial.trialEndsAt.getTime()) {
    return { from: trial.signedUpAt, to: new Date(Math.max(now.getTime(), trial.signedUpAt.getTime() + 1)) };
  }
  return lastDays(now);
}
