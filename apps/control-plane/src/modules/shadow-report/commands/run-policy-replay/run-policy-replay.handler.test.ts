import type { NewPolicyReplayRow } from '@thoth/db';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../../platform/caller.js';
import type { AgentsRepository } from '../../../agents/storage/agents.repository.js';
import type { BaselinesRepository } from '../../../credential-governance/index.js';
import type { CredentialsRepository } from '../../../credentials/storage/credentials.repository.js';
import type { DecisionRecord, DecisionRecordsRepository } from '../../../decisions/index.js';
import type { PoliciesRepository } from '../../../policies/storage/policies.repository.js';
import type { TenantsRepository } from '../../../tenants/storage/tenants.repository.js';
import { MAX_REPLAY_CALLS, type PolicyReplayResult } from '../../domain/policy-replay.js';
import { DAY, decision, T0, TENANT } from '../../domain/test-fixtures.js';
import type { PolicyReplaysRepository } from '../../storage/policy-replays.repository.js';
import { RunPolicyReplayCommand } from './run-policy-replay.command.js';
import { RunPolicyReplayHandler } from './run-policy-replay.handler.js';

const caller: Caller = { tenantId: TENANT, actor: 'key:author', requestId: 'r-1' };
const NO_DELETES = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: c, version: "1"}
defaults: {effect: allow}
rules:
  - id: no-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
`;

function handler(pages: (w: { after?: unknown }) => DecisionRecord[], credentials: (filter: { status?: string }) => unknown[] = () => []) {
  const stored: NewPolicyReplayRow[] = [];
  const decisions = { inWindow: async (_: string, w: { after?: unknown }) => pages(w) } as unknown as DecisionRecordsRepository;
  const tenant = { tenantId: TENANT, mode: 'shadow', failMode: 'closed', signedUpAt: new Date(T0), trialEndsAt: new Date(T0 + 7 * DAY) };
  const h = new RunPolicyReplayHandler(
    decisions,
    { findTenant: async () => tenant } as unknown as TenantsRepository,
    { findCurrent: async () => undefined } as unknown as PoliciesRepository,
    { list: async () => [] } as unknown as AgentsRepository,
    { list: async (_: string, filter: { status?: string }) => credentials(filter) } as unknown as CredentialsRepository,
    { list: async () => [] } as unknown as BaselinesRepository,
    { insert: async (row: NewPolicyReplayRow) => void stored.push(row) } as unknown as PolicyReplaysRepository,
    { now: () => new Date(T0 + 7 * DAY) },
    pino({ level: 'silent' }),
  );
  return { h, stored };
}

describe('RunPolicyReplayHandler', () => {
  it('replays the window in enforce mode and stores the candidate with its result', async () => {
    const records = [decision({ at: T0 + 1 }), decision({ at: T0 + 2, tool: 'crm.delete_records' })];
    const { h, stored } = handler(() => records);
    const { replayId } = await h.execute(new RunPolicyReplayCommand(caller, NO_DELETES, 'yaml', 'effect'));
    expect(stored[0]).toMatchObject({ replayId, tenantId: TENANT, requestedBy: 'key:author', candidateSource: NO_DELETES, calls: 2, changed: 1, windowFrom: new Date(T0), windowTo: new Date(T0 + 7 * DAY) });
    const result = stored[0]!.result as PolicyReplayResult;
    expect(result.changedDecisionIds).toEqual([records[1]!.decisionId]);
    expect(result.boundTo).toEqual({ agents: 0, credentials: 0, mode: 'enforce' });
  });

  it('binds revoked credentials as the snapshot builder does: a call with one is denied by the candidate too', async () => {
    const revokedAt = new Date(T0 + DAY);
    const fingerprint = 'a'.repeat(64);
    const revoked = {
      credential: {
        credentialId: 'c1', tenantId: TENANT, name: 'sf', kind: 'oauth_token', provider: 'salesforce', fingerprint, scopes: [], allowedResources: [], allowedCidrs: [],
        allowedRegions: [], expiresAt: null, status: 'revoked', registeredAt: new Date(T0), rotatedAt: null, revokedAt, revokedReason: 'leaked', version: 2, updatedAt: revokedAt,
      },
      agents: [],
      fingerprints: [{ tenantId: TENANT, credentialId: 'c1', fingerprint, activeFrom: new Date(T0), rotatedOutAt: null }],
    };
    const records = [decision({ at: T0 + 1, credentialFingerprint: fingerprint }), decision({ at: T0 + 2 * DAY, credentialFingerprint: fingerprint })];
    const { h, stored } = handler(() => records, (filter) => (filter.status === undefined || filter.status === 'revoked' ? [revoked] : []));
    await h.execute(new RunPolicyReplayCommand(caller, NO_DELETES, 'yaml', 'effect'));
    const result = stored[0]!.result as PolicyReplayResult;
    expect(result.changedDecisionIds).toEqual([records[1]!.decisionId]);
    expect(result.byRule.map((r) => r.ruleId)).toEqual([`credential:${fingerprint}`]);
  });

  it('refuses an invalid candidate with every engine error, before reading anything', async () => {
    let reads = 0;
    const { h, stored } = handler(() => {
      reads++;
      return [];
    });
    await expect(h.execute(new RunPolicyReplayCommand(caller, NO_DELETES.replace('deny', 'nope'), 'yaml', 'effect'))).rejects.toMatchObject({
      code: 'policy.invalid',
      kind: 'invalid',
      errors: [expect.objectContaining({ code: 'schema.enum', path: '/rules/0/effect', line: 8 })],
    });
    expect([reads, stored.length]).toEqual([0, 0]);
  });

  it(`refuses a window of more than ${MAX_REPLAY_CALLS} decisions, storing nothing`, async () => {
    // Full pages forever (the same 5,000 records): the handler must stop at the limit.
    const page = Array.from({ length: 5_000 }, (_, i) => decision({ at: T0 + i }));
    let pages = 0;
    const { h, stored } = handler(() => {
      pages++;
      return page;
    });
    await expect(h.execute(new RunPolicyReplayCommand(caller, NO_DELETES, 'yaml', 'effect'))).rejects.toMatchObject({ code: 'policy_replay.too_many_calls', kind: 'invalid', field: '/window' });
    expect(pages).toBe(MAX_REPLAY_CALLS / 5_000 + 1);
    expect(stored).toEqual([]);
  });
});
