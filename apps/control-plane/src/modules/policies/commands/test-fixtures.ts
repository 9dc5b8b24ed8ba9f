import type { Clock } from '../../../platform/clock/clock.js';

// Shared by this context's handler tests.
export const clock: Clock = { now: () => new Date('2026-05-01T00:00:00.000Z') };
export const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };

export const policyV1 = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata:
  name: crm-guardrails
  version: "1"
defaults:
  effect: allow
rules:
  - id: crm-no-drop-tables
    match:
      tools: ["crm.drop_table"]
    effect: deny
`;
export const policyV2 = policyV1.replace('version: "1"', 'version: "2"');
export const invalidPolicy = policyV1.replace('effect: deny', 'effect: maybe');
