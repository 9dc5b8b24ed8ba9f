// Shared by this context's tests: a small valid policy, its next version, and an invalid one.
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
