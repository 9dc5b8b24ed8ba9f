import type { ControlPlane } from '../../../src/control-plane.js';

// Helpers for the agents / credentials / policies / enforcers integration tests.

/** Runs SQL as the app runs it: thoth_app, with `tenantId` named (row-level security applies). */
export async function queryAsTenant<Row extends Record<string, unknown>>(cp: ControlPlane, tenantId: string, text: string, params: unknown[] = []): Promise<Row[]> {
  return cp.database.sql.transaction(async (tx) => {
    await tx.query('SET LOCAL ROLE thoth_app');
    await tx.query(`SELECT set_config('thoth.tenant_id', $1, true)`, [tenantId]);
    return tx.query<Row>(text, params);
  });
}

export const policySource = (version: string, tools: string[] = ['crm.drop_table']): string => `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata:
  name: crm-guardrails
  version: "${version}"
defaults:
  effect: allow
rules:
  - id: crm-no-drop-tables
    match:
      tools: ${JSON.stringify(tools)}
    effect: deny
`;
