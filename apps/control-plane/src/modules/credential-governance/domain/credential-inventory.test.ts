import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../decisions/domain/decision-record.js';
import { decisionRecord } from '../../decisions/domain/test-fixtures.js';
import { buildInventory, summarize, type KnownCredential, type UsageRecord } from './credential-inventory.js';
import { usageOf } from './credential-usage.js';

const FP = { crm: 'a'.repeat(64), old: 'b'.repeat(64), stray: 'c'.repeat(64), revoked: 'd'.repeat(64), expired: 'e'.repeat(64), open: 'f'.repeat(64) };
const AGENTS = [
  { agentId: '00000000-0000-4000-8000-00000000000a', name: 'crm-agent' },
  { agentId: '00000000-0000-4000-8000-00000000000b', name: 'report-agent' },
];
const at = (h: number) => new Date(Date.UTC(2026, 4, 1, h));

function record(over: Partial<DecisionRecord>): DecisionRecord {
  return decisionRecord({ tenantId: 't', decisionId: `d-${Math.random()}`, tool: 'crm.read', credentialFingerprint: FP.crm, sourceIp: '10.0.0.1', requestedAt: at(9), decidedAt: at(9), ...over });
}

const credential = (over: Partial<KnownCredential> & { credentialId: string; fingerprint: string }): KnownCredential => ({
  name: over.credentialId,
  kind: 'oauth_token',
  provider: 'salesforce',
  status: 'active',
  expiresAt: null,
  revokedAt: null,
  linkedAgentIds: [AGENTS[0]!.agentId],
  fingerprints: [{ fingerprint: over.fingerprint, rotatedOutAt: null }],
  ...over,
});

describe('usage from decisions', () => {
  it('folds a batch per credential and agent: first/last seen, calls, denials, regions, latest decision', () => {
    const deltas = usageOf([
      record({ decisionId: 'd2', decidedAt: at(11), sourceRegion: 'us-east-1', outcome: 'would_deny' }),
      record({ decisionId: 'd1', decidedAt: at(9) }),
      record({ decisionId: 'd3', agentId: 'report-agent', decidedAt: at(10), outcome: 'deny' }),
      record({ decisionId: 'x1', credentialFingerprint: '' }),
      record({ decisionId: 'x2', errorCode: 'INVALID_AGENT_TOKEN', agentId: 'intruder' }),
    ]);
    expect(deltas).toEqual([
      { fingerprint: FP.crm, agentId: 'crm-agent', firstSeenAt: at(9), lastSeenAt: at(11), calls: 2, denied: 1, regions: ['eu-west-1', 'us-east-1'], lastDecisionId: 'd2' },
      { fingerprint: FP.crm, agentId: 'report-agent', firstSeenAt: at(10), lastSeenAt: at(10), calls: 1, denied: 1, regions: ['eu-west-1'], lastDecisionId: 'd3' },
    ]);
  });
});

describe('the credential inventory', () => {
  const use = (fingerprint: string, agentId: string, lastHour: number): UsageRecord => ({ fingerprint, agentId, firstSeenAt: at(8), lastSeenAt: at(lastHour), calls: 3, denied: 0, regions: ['eu-west-1'], lastDecisionId: `${fingerprint[0]}-${agentId}` });
  const credentials: KnownCredential[] = [
    credential({ credentialId: 'crm', fingerprint: FP.crm, fingerprints: [{ fingerprint: FP.old, rotatedOutAt: at(10) }, { fingerprint: FP.crm, rotatedOutAt: null }] }),
    credential({ credentialId: 'revoked', fingerprint: FP.revoked, status: 'revoked', revokedAt: at(10) }),
    credential({ credentialId: 'expired', fingerprint: FP.expired, expiresAt: at(10) }),
    credential({ credentialId: 'open', fingerprint: FP.open, linkedAgentIds: [] }),
  ];
  const inventory = buildInventory(
    [
      use(FP.crm, 'crm-agent', 12),
      use(FP.crm, 'report-agent', 12),
      use(FP.old, 'crm-agent', 11),
      use(FP.stray, 'crm-agent', 12),
      use(FP.revoked, 'crm-agent', 11),
      use(FP.expired, 'crm-agent', 9),
      use(FP.open, 'crm-agent', 12),
      use(FP.open, 'report-agent', 12),
    ],
    credentials,
    AGENTS,
  );
  const entry = (fp: string) => inventory.find((e) => e.fingerprint === fp)!;

  it('names what is wrong with each credential seen', () => {
    expect(inventory.map((e) => [e.credential?.id ?? null, e.findings])).toEqual([
      ['crm', ['shared', 'unlinked_agent']],
      ['crm', ['rotated_out_in_use']],
      [null, ['unknown']],
      ['revoked', ['revoked_in_use']],
      ['expired', []],
      ['open', ['shared']],
    ]);
  });

  it('marks which agents were linked; a credential linked to nobody may be used by anyone', () => {
    expect(entry(FP.crm).agents.map((a) => [a.agent, a.agentId, a.linked])).toEqual([
      ['crm-agent', AGENTS[0]!.agentId, true],
      ['report-agent', AGENTS[1]!.agentId, false],
    ]);
    expect(entry(FP.crm).credential?.linkedAgents).toEqual(['crm-agent']);
    expect(entry(FP.open).agents.map((a) => a.linked)).toEqual([null, null]);
    expect(entry(FP.stray).agents.map((a) => a.linked)).toEqual([null]);
  });

  it('a use after expiry is a finding, one before is not', () => {
    const later = buildInventory([use(FP.expired, 'crm-agent', 11)], credentials, AGENTS);
    expect(later[0]!.findings).toEqual(['expired_in_use']);
  });

  it('a use at the very instant of expiry is a finding, as the enforcer refuses it from that instant', () => {
    expect(buildInventory([use(FP.expired, 'crm-agent', 10)], credentials, AGENTS)[0]!.findings).toEqual(['expired_in_use']);
  });

  it('an agent the tenant does not know (any more) counts as unlinked', () => {
    const [e] = buildInventory([use(FP.crm, 'ghost', 9)], credentials, AGENTS);
    expect(e!.agents[0]).toMatchObject({ agent: 'ghost', agentId: null, linked: false });
    expect(e!.findings).toEqual(['unlinked_agent']);
  });

  it('adds up per credential and summarises the findings', () => {
    expect(entry(FP.crm)).toMatchObject({ calls: 6, denied: 0, firstSeenAt: at(8), lastSeenAt: at(12), regions: ['eu-west-1'] });
    expect(summarize(inventory)).toEqual({ credentials: 6, unknown: 1, shared: 2, revoked_in_use: 1, expired_in_use: 0, rotated_out_in_use: 1, unlinked_agent: 1 });
  });
});
