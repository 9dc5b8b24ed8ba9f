// @thoth/ledger/offline: the checks that need no running ledger, for the `thoth` command
// (apps/cli): verify an evidence bundle with a public key alone, audit a tenant's log from its rows.
export { auditTenant } from './audit/audit.js';
export { DirectoryAnchor } from './checkpoint/anchor.js';
export { TENANT_ID } from './checkpoint/origin.js';
export { verifyEvidenceBundle } from './evidence/verify-bundle.js';
