import { describe, expect, it } from 'vitest';
import { buildInventory, INVENTORY_FINDINGS, type KnownCredential, type UsageRecord } from '../../credential-governance/domain/credential-inventory.js';
import { credentialFindings, LISTED_CREDENTIAL_FINDINGS } from './credential-findings.js';
import { DAY, HOUR, T0 } from './test-fixtures.js';

const fp = (c: string) => c.repeat(64);
const use = (fingerprint: string, agentId: string, calls: number, first = T0, last = T0 + HOUR): UsageRecord => ({
  fingerprint,
  agentId,
  firstSeenAt: new Date(first),
  lastSeenAt: new Date(last),
  calls,
  denied: 0,
  regions: [],
  lastDecisionId: `${agentId}-last`,
});
const credential = (over: Partial<KnownCredential> & { fingerprint: string }): KnownCredential => ({
  credentialId: `00000000-0000-4000-8000-0000000000${over.fingerprint.slice(0, 2)}`,
  name: `cred-${over.fingerprint[0]}`,
  kind: 'api_key',
  provider: 'github',
  status: 'active',
  expiresAt: null,
  revokedAt: null,
  linkedAgentIds: [],
  fingerprints: [{ fingerprint: over.fingerprint, rotatedOutAt: null }],
  ...over,
});
const AGENTS = [
  { agentId: 'id-crm', name: 'crm-agent' },
  { agentId: 'id-report', name: 'report-agent' },
];

describe('credential findings of a report', () => {
  it("counts every finding credential governance knows, in its order", () => {
    expect(Object.keys(credentialFindings([]).counts)).toEqual(INVENTORY_FINDINGS);
  });


  const inventory = buildInventory(
    [
      use(fp('a'), 'crm-agent', 3),
      use(fp('b'), 'crm-agent', 5, T0, T0 + 2 * HOUR),
      use(fp('b'), 'report-agent', 2, T0 + HOUR, T0 + 3 * HOUR),
      use(fp('c'), 'crm-agent', 4, T0, T0 + DAY),
      use(fp('d'), 'crm-agent', 1),
    ],
    [
      credential({ fingerprint: fp('b'), linkedAgentIds: ['id-crm'] }),
      credential({ fingerprint: fp('c'), status: 'revoked', revokedAt: new Date(T0 + HOUR) }),
      credential({ fingerprint: fp('d') }),
    ],
    AGENTS,
  );
  const findings = credentialFindings(inventory);

  it('lists one finding per credential and kind, by kind, with the agents it is about and their calls', () => {
    expect(findings.items.map((f) => [f.kind, f.fingerprint[0], f.credential?.name ?? null, f.agents.map((a) => `${a.agent}:${a.calls}`), f.calls, f.firstSeen, f.lastSeen])).toEqual([
      ['unknown', 'a', null, ['crm-agent:3'], 3, new Date(T0).toISOString(), new Date(T0 + HOUR).toISOString()],
      ['shared', 'b', 'cred-b', ['crm-agent:5', 'report-agent:2'], 7, new Date(T0).toISOString(), new Date(T0 + 3 * HOUR).toISOString()],
      ['revoked_in_use', 'c', 'cred-c', ['crm-agent:4'], 4, new Date(T0).toISOString(), new Date(T0 + DAY).toISOString()],
      // Only the agent it is not linked to.
      ['unlinked_agent', 'b', 'cred-b', ['report-agent:2'], 2, new Date(T0 + HOUR).toISOString(), new Date(T0 + 3 * HOUR).toISOString()],
    ]);
    expect(findings.items.find((f) => f.kind === 'revoked_in_use')?.since).toBe(new Date(T0 + HOUR).toISOString());
    expect(findings.items.find((f) => f.kind === 'shared')?.since).toBeNull();
    expect(findings.items[0]?.fingerprint).toBe(fp('a'));
    expect(findings.counts).toEqual({ unknown: 1, shared: 1, revoked_in_use: 1, expired_in_use: 0, rotated_out_in_use: 0, unlinked_agent: 1 });
    expect(findings.unlisted).toBe(0);
  });

  it('lists at most LISTED_CREDENTIAL_FINDINGS, busiest first within a kind, and counts them all', () => {
    const many = buildInventory(
      Array.from({ length: LISTED_CREDENTIAL_FINDINGS + 5 }, (_, i) => use(i.toString(16).padStart(64, '0'), 'crm-agent', i + 1)),
      [],
      AGENTS,
    );
    const capped = credentialFindings(many);
    expect(capped.items).toHaveLength(LISTED_CREDENTIAL_FINDINGS);
    expect(capped.unlisted).toBe(5);
    expect(capped.counts.unknown).toBe(LISTED_CREDENTIAL_FINDINGS + 5);
    expect(capped.items[0]?.calls).toBe(LISTED_CREDENTIAL_FINDINGS + 5);
  });
});
