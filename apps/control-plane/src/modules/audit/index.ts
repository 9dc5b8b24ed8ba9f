// The audit context's offer to the others: its module and its query.
export { AuditModule } from './audit.module.js';
export { type AuditEntry, type AuditPage, ListAuditEventsQuery } from './queries/list-audit-events/list-audit-events.query.js';
