import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AgentStatus, FailMode, RevocationReason, TenantMode } from '@thoth/contracts';
import { describe, expect, it } from 'vitest';
import { enforcerConfigOf, type TenantState } from './enforcer-config.js';

const T = '00000000-0000-4000-8000-000000000001';
const at = new Date('2026-01-01T00:00:00Z');
const agent = (agentId: string, name: string, status: 'active' | 'suspended' | 'retired') => ({
  agentId, tenantId: T, name, description: null, labels: { team: 'sales' }, status, statusReason: null, statusChangedAt: at,
  tokenHash: agentId.padEnd(64, '0'), tokenHint: 'thoth_at_abcd', registeredAt: at, version: 1, updatedAt: at,
});
const state = (tenantMode: 'shadow' | 'enforce', policyMode: 'shadow' | 'enforce'): TenantState => ({
  tenant: { tenantId: T, name: 'Acme', email: 'a@b.c', mode: tenantMode, failMode: 'open', signedUpAt: at, trialEndsAt: at, decisionRetentionDays: 90, argumentRetentionDays: 30, version: 1, updatedAt: at },
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

  it('binds active credentials with their expiry, and refuses revoked ones and rotated-out fingerprints from when they ended', () => {
    const base = state('enforce', 'enforce');
    const [c1] = base.credentials;
    const rotatedAt = new Date('2026-11-21T08:30:00Z');
    const revokedAt = new Date('2026-11-20T10:00:00Z');
    const expiresAt = new Date('2026-12-01T00:00:00Z');
    const fp = (c: string) => c.repeat(64);
    const record = (credentialId: string, fingerprint: string, change: Record<string, unknown>, fingerprints: [string, Date | null][]) => ({
      ...c1!,
      credential: { ...c1!.credential, credentialId, fingerprint, ...change },
      agents: [],
      fingerprints: fingerprints.map(([f, out]) => ({ tenantId: T, credentialId, fingerprint: f, activeFrom: at, rotatedOutAt: out })),
    });
    const config = enforcerConfigOf({
      ...base,
      credentials: [
        // Rotated once: its first fingerprint is refused; the current one is bound until it expires.
        record('c1', fp('b'), { expiresAt, rotatedAt }, [[fp('a'), rotatedAt], [fp('b'), null]]),
        // Rotated, then revoked: each fingerprint with its own end.
        record('c2', fp('d'), { status: 'revoked', revokedAt }, [[fp('c'), rotatedAt], [fp('d'), null]]),
        // Revoked, and its secret registered again as c4: c4 owns it now.
        record('c3', fp('e'), { status: 'revoked', revokedAt }, [[fp('e'), null]]),
        record('c4', fp('e'), {}, [[fp('e'), null]]),
      ],
    });
    expect(config.credentialBindings?.map((b) => [b.credentialId, b.credentialFingerprint, b.expiresAt])).toEqual([
      ['c1', fp('b'), timestampFromDate(expiresAt)],
      ['c4', fp('e'), undefined],
    ]);
    expect(config.revokedCredentials).toEqual([
      { credentialId: 'c1', credentialFingerprint: fp('a'), reason: RevocationReason.ROTATED_OUT, since: timestampFromDate(rotatedAt) },
      { credentialId: 'c2', credentialFingerprint: fp('c'), reason: RevocationReason.ROTATED_OUT, since: timestampFromDate(rotatedAt) },
      { credentialId: 'c2', credentialFingerprint: fp('d'), reason: RevocationReason.REVOKED, since: timestampFromDate(revokedAt) },
    ]);
  });
});
