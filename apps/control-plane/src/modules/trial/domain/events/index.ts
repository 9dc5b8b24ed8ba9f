import type { TrialEnded } from './trial-ended.event.js';
import type { TrialReportRecorded } from './trial-report-recorded.event.js';
import type { TrialReportRetried } from './trial-report-retried.event.js';

// The trial stream's events (`trial-<tenant id>`). Type names are stable strings; a payload
// change bumps its schemaVersion.
export * from './trial-ended.event.js';
export * from './trial-report-recorded.event.js';
export * from './trial-report-retried.event.js';

export type TrialEvent = TrialEnded | TrialReportRetried | TrialReportRecorded;
