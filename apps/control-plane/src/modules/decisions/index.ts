// What the decisions module offers the others: the record shape, the repository to read it,
// and the ingest hook contract (docs/architecture.md, "Decision read model and ingest hooks").
export type { DecisionOutcome, DecisionRecord, RecordedRule } from './domain/decision-record.js';
export { DecisionsModule } from './decisions.module.js';
export { DECISION_INGEST_HOOKS, type DecisionIngestHook } from './ingest/decision-ingest-hook.js';
export { DecisionIngestion, type DecisionsOptions } from './ingest/decision-ingestion.js';
export type { InProcessDecisionFeed } from './ingest/in-process-decision-source.js';
export type { IngestOutcome } from './ingest/decision-ingestor.js';
export {
  DecisionRecordsRepository,
  type DecisionFilters,
  type DecisionPosition,
  type DecisionWindow,
} from './storage/decision-records.repository.js';
// Its queries (the read model has no commands: decisions arrive on the decision stream).
export { type DecisionView, GetDecisionQuery } from './queries/get-decision/get-decision.query.js';
export { type DecisionPage, ListDecisionsQuery } from './queries/list-decisions/list-decisions.query.js';
// Retention (docs/retention.md): the job, and the event it leaves in each tenant's audit trail.
export { RETENTION_ACTOR, RetentionJob, type RetentionRun } from './retention/retention-job.js';
export { RetentionApplied, type RetentionAppliedPayload } from './domain/events/retention-applied.event.js';
