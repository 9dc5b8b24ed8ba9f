import type { DecisionRecord, RecordedRule } from '../../decisions/domain/decision-record.js';

// Shared by this context's unit tests.
export const TENANT = 'c0ffee00-0000-4000-8000-000000000001';

export const rule = (overrides: Partial<RecordedRule> = {}): RecordedRule => ({
  ruleId: 'crm-no-deletes',
  reason: 'CRM deletes need a human.',
  severity: 'unspecified',
  kind: 'condition',
  effect: 'deny',
  ...overrides,
});

export const decisionRecord = (overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  tenantId: TENANT,
  decisionId: 'dec-1',
  requestId: 'req-1',
  agentId: 'crm-agent',
  tool: 'crm.delete_contact',
  resource: 'crm/contacts',
  credentialFingerprint: 'b'.repeat(64),
  sourceIp: '203.0.113.7',
  sourceRegion: 'eu-west-1',
  outcome: 'deny',
  shadow: false,
  matchedRules: [rule()],
  policyVersion: 3,
  policyHash: 'c'.repeat(64),
  configVersion: 12,
  enforcerId: 'edge-1',
  argumentsDigest: 'a'.repeat(64),
  arguments: undefined,
  errorCode: '',
  requestedAt: new Date('2026-11-02T09:30:00.000Z'),
  decidedAt: new Date('2026-11-02T09:30:00.001Z'),
  receipt: { decisionId: 'dec-1', outcome: 'OUTCOME_DENY', keyId: 'ed25519:0123', signature: 'c2ln' },
  ...overrides,
});
