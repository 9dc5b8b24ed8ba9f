import { AgentStatus, FailMode, TenantMode } from '@thoth/contracts';
import { describe, expect, it } from 'vitest';
import { enforcerConfigOf, type TenantState } from './enforcer-config.js';

const T = '00000000-0000-4000-8000-000000000001';
const at = new Date('2026-01-01T00:00:00Z');
const agent = (agentId: string, name: string, status: 'active' | 'suspended' | 'retired') => ({
  agentId, tenantId: T, name, description: null, labels: { team: 'sales' }, status, statusReason: null, statusChangedAt: at,
  tokenHash: agentId.padEnd(64, '0'), tokenHint: 'thoth_at_abcd', registeredAt: at, version: 1, updatedAt: at,
});
const state = (tenantMode: 'shadow' | 'enforce', policyMode: 'shadow' | 'enforce'): TenantState => ({
  tenant: { tenantId: T, name: 'Acme', email: 'a@b.c', mode: tenantMode, failMode: 'open', signedUpAt: at, trialEndsAt: at, version: 1, updatedAt: at },
  policy: {
    policy: { tenantId: T, currentVersion: 4, contentHash: 'x', mode: policyMode, version: 5, updatedAt: at },
    current: { tenantId: T, version: 4, format: 'json', source: '{}', contentHash: 'x', documentName: 'p', documentVersion: '1', rolledBackTo: null, publishedAt: at, publishedBy: 'key:1' },
  },
  agents: [agent('a1', 'crm-agent', 'active'), agent('a2', 'old-agent', 'retired'), agent('a3', 'rogue', 'suspended')],
  credentials: [
    {
      credential: {
        credentialId: 'c1', tenantId: T, name: 'sf', kind: 'oauth_token', provider: 'salesforce', fingerprint: 'f'.repeat(64), scopes: [],
        allowedResources: ['crm/*'], allowedCidrs: ['10.0.0.0/8'], allowedRegions: [], expiresAt: null, status: 'active',
        registeredAt: at, rotatedAt: null, revokedAt: null, revokedReason: null, version: 1, updatedAt: at,
      },
      agents: [{ tenantId: T, credentialId: 'c1', agentId: 'a1', linkedAt: at }],
      fingerprints: [],
    },
  ],
});

describe('enforcerConfigOf', () => {
  it('names agents by their name (what policies select on), with status, labels and token hash', () => {
    const config = enforcerConfigOf(state('enforce', 'enforce'));
    expect(config.agents?.map((a) => [a.agentId, a.status])).toEqual([
      ['crm-agent', AgentStatus.ACTIVE],
      ['old-agent', AgentStatus.RETIRED],
      ['rogue', AgentStatus.SUSPENDED],
    ]);
    expect(config.agents?.[0]).toMatchObject({ labels: { team: 'sales' }, tokenSha256: ['a1'.padEnd(64, '0')] });
    expect(config.credentialBindings).toEqual([
      { credentialId: 'c1', credentialFingerprint: 'f'.repeat(64), agentIds: ['crm-agent'], resourcePatterns: ['crm/*'], sourceRegions: [], sourceCidrs: ['10.0.0.0/8'] },
    ]);
    expect(config).toMatchObject({ tenantId: T, mode: TenantMode.ENFORCE, failMode: FailMode.OPEN, policy: { version: 4n } });
  });

  it('is in shadow when the tenant or the policy says so', () => {
    expect(enforcerConfigOf(state('shadow', 'enforce')).mode).toBe(TenantMode.SHADOW);
    expect(enforcerConfigOf(state('enforce', 'shadow')).mode).toBe(TenantMode.SHADOW);
  });

  it('retains call arguments while in shadow (for replay of the trial), only digests in enforce mode', () => {
    expect(enforcerConfigOf(state('shadow', 'enforce')).retainArguments).toBe(true);
    expect(enforcerConfigOf(state('enforce', 'shadow')).retainArguments).toBe(true);
    expect(enforcerConfigOf(state('enforce', 'enforce')).retainArguments).toBe(false);
  });
});
