// The shadow-report context's offer to the others: its module, its commands and queries. It
// produces the trial's day-seven report on the trial's own events (trial.ended,
// trial.report_retried): nothing else needs to call it for that.
export { ShadowReportModule } from './shadow-report.module.js';
export { type ShadowReportTrigger, GenerateShadowReportCommand } from './commands/generate-shadow-report/generate-shadow-report.command.js';
export { type IssuedViewLink, IssueViewLinkCommand } from './commands/issue-view-link/issue-view-link.command.js';
export { RevokeViewLinkCommand } from './commands/revoke-view-link/revoke-view-link.command.js';
export { RunPolicyReplayCommand } from './commands/run-policy-replay/run-policy-replay.command.js';
export { type PolicyReplaySummaryView, type PolicyReplayView, GetPolicyReplayQuery } from './queries/get-policy-replay/get-policy-replay.query.js';
export { type ShadowReportSummaryView, type ShadowReportView, GetShadowReportQuery } from './queries/get-shadow-report/get-shadow-report.query.js';
export { ListPolicyReplaysQuery } from './queries/list-policy-replays/list-policy-replays.query.js';
export { ListShadowReportsQuery } from './queries/list-shadow-reports/list-shadow-reports.query.js';
export { type ReportPageView, OpenReportPageQuery } from './queries/open-report-page/open-report-page.query.js';
