// The approvals context's offer to the others (docs/approvals.md): its module, the link its
// alerts carry, the desk the config stream serves ConsumeApproval and GetApprovalStatus from, and
// its commands and queries.
export { ApprovalsModule, APPROVAL_LINKS, type ApprovalLinks, type ApprovalsOptions } from './approvals.module.js';
export { ApprovalDesk } from './grpc/approval-desk.js';
export { ApprovalDecisionPublisher } from './publish/approval-decision-publisher.js';
export { DecideApprovalCommand } from './commands/decide-approval/decide-approval.command.js';
export { GetApprovalQuery } from './queries/get-approval/get-approval.query.js';
export { ListApprovalsQuery, type ApprovalPage } from './queries/list-approvals/list-approvals.query.js';
export type { ApprovalDetailView, ApprovalView } from './queries/approval-view.js';
export * from './domain/events/approval-decided.event.js';
