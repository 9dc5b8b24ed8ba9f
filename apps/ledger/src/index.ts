// @thoth/ledger: what the one-process launcher, tests and benchmarks compose.
export { loadConfig, ConfigError, type LedgerConfig } from './config/config.js';
export { startLedger, type LedgerHooks, type RunningLedger } from './ledger.js';
export { inProcessSource, IN_PROCESS_TOPIC, type DecisionSource, type DecisionSourceContext, type InProcessDecisionFeed } from './consume/in-process-source.js';
export { InProcessReceiptKeys, type ReceiptKeySource } from './consume/in-process-receipt-keys.js';
export { ReceiptKeyDirectory } from '@thoth/snapshot';
export { DecisionFolder, type FoldOutcome, type SourceMessage, type TenantKeySource } from './fold/decision-folder.js';
export { QuarantineRelease, type ReleaseOutcome } from './fold/quarantine-release.js';
export { decodeDecision, type QuarantineCode } from './fold/decode-decision.js';
export { TenantTrees } from './merkle/tenant-trees.js';
export { Checkpointer, type CheckpointSigned } from './checkpoint/checkpointer.js';
export { DirectoryAnchor, AnchorConflictError, type Anchor } from './checkpoint/anchor.js';
export { tenantOrigin } from './checkpoint/origin.js';
export { LedgerReader, ReadError } from './api/ledger-reader.js';
export { startLedgerApi, type LedgerApi } from './api/ledger-api.js';
export { ApiKeyAuthenticator, EVIDENCE_ROLES, type Authentication, type Caller } from './api/authenticate.js';
export { EVIDENCE_BUNDLE_VERSION, EvidenceBundleSchema, type EvidenceBundle } from './evidence/evidence-bundle.js';
export { verifyEvidenceBundle, type VerifyErrorCode, type VerifyResult } from './evidence/verify-bundle.js';
export { auditTenant, type AuditReport, type AuditFinding } from './audit/audit.js';
