import type { DecisionRecord, RecordedRule } from '../../decisions/domain/decision-record.js';
import { decisionRecord } from '../../decisions/domain/test-fixtures.js';

// Decision records for the shadow-report unit tests.

export const TENANT = '00000000-0000-4000-8000-000000000001';
export const T0 = Date.parse('2026-03-02T00:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

let sequence = 0;

export function denyRule(ruleId: string, severity: RecordedRule['severity'] = 'high', kind = 'condition'): RecordedRule {
  return { ruleId, reason: `${ruleId} says no`, severity, kind, effect: 'deny' };
}

export function decision(overrides: Partial<DecisionRecord> & { at: number }): DecisionRecord {
  const { at, ...rest } = overrides;
  sequence++;
  const decisionId = rest.decisionId ?? `d-${String(sequence).padStart(6, '0')}`;
  return decisionRecord({
    tenantId: TENANT,
    decisionId,
    requestId: `r-${sequence}`,
    policyHash: 'sha256:00',
    enforcerId: 'enforcer-1',
    argumentsDigest: '00',
    requestedAt: new Date(at),
    decidedAt: new Date(at),
    receipt: { decisionId, signature: 'c2ln' },
    ...rest,
  });
}

/** A would-deny decision (shadow mode let it through) by the given rules. */
export function wouldDeny(overrides: Partial<DecisionRecord> & { at: number }, ...rules: RecordedRule[]): DecisionRecord {
  return decision({ outcome: 'would_deny', shadow: true, matchedRules: rules, ...overrides });
}
