import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Credential, type RegisterCredentialInput } from './credential.aggregate.js';
import { CredentialError } from './credential.errors.js';
import type { CredentialEvent } from './events/index.js';
import { fingerprintOfSecret, parseFingerprint } from './fingerprint.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { recordedEvents, thrownBy } from '../../../shared/domain/test-fixtures.js';

const t0 = new Date('2025-07-14T09:00:00Z');
const t1 = new Date('2025-07-14T10:00:00Z');
const later = new Date('2026-01-01T00:00:00Z');
const fp = (secret: string) => fingerprintOfSecret(secret);
const agentA = '7b0c8c9e-2f3e-4a53-9a53-0e6a3b1e000a';
const agentB = '7b0c8c9e-2f3e-4a53-9a53-0e6a3b1e000b';

const input: RegisterCredentialInput = {
  credentialId: '5f0c8c9e-2f3e-4a53-9a53-0e6a3b1e0001',
  tenantId: 'c0ffee00-0000-4000-8000-000000000001',
  name: 'Salesforce prod (crm-agent)',
  kind: 'oauth_token',
  provider: 'salesforce',
  fingerprint: fp('sf-token-1'),
  scopes: ['api', 'refresh_token', 'api'],
  allowedResources: ['crm/*'],
  allowedLocations: { cidrs: ['10.20.0.0/16', '2001:db8:20::/48'], regions: ['us-west-2'] },
  expiresAt: later,
};

const codeOf = (fn: () => unknown): string | undefined => thrownBy(fn, CredentialError)?.code;

const recorded = (events: readonly CredentialEvent[], after = 0): RecordedEvent[] => recordedEvents(events, { tenantId: input.tenantId, streamId: `credential-${input.credentialId}`, recordedAt: t0 }, after);

function registered(): Credential {
  return Credential.fromHistory(recorded(Credential.register(input, t0).uncommittedEvents));
}

describe('fingerprints', () => {
  it('hash a secret to lowercase hex SHA-256', () => {
    expect(fp('test')).toBe(createHash('sha256').update('test').digest('hex'));
  });

  it('accept precomputed fingerprints with or without the sha256: prefix, in any case', () => {
    const hex = fp('test');
    expect(parseFingerprint(hex)).toBe(hex);
    expect(parseFingerprint(`sha256:${hex.toUpperCase()}`)).toBe(hex);
    for (const bad of ['', 'abc', `${hex}0`, `md5:${hex}`, 'z'.repeat(64)]) {
      expect(codeOf(() => parseFingerprint(bad))).toBe('credential.invalid_fingerprint');
    }
  });
});

describe('Credential', () => {
  it('registers with a fingerprint and never the secret', () => {
    const credential = Credential.register(input, t0);
    const [event] = credential.uncommittedEvents;
    expect(event?.type).toBe('credential.registered');
    expect(event?.schemaVersion).toBe(1);
    expect(event?.payload).toMatchObject({
      fingerprint: fp('sf-token-1'),
      scopes: ['api', 'refresh_token'],
      allowedResources: ['crm/*'],
      allowedCidrs: ['10.20.0.0/16', '2001:db8:20::/48'],
      allowedRegions: ['us-west-2'],
      expiresAt: later.toISOString(),
    });
    expect(JSON.stringify(event)).not.toContain('sf-token-1');
    expect(credential.status).toBe('active');
  });

  it('validates what it registers', () => {
    expect(codeOf(() => Credential.register({ ...input, name: '  ' }, t0))).toBe('credential.invalid_field');
    expect(codeOf(() => Credential.register({ ...input, provider: 'Sales Force' }, t0))).toBe('credential.invalid_field');
    expect(codeOf(() => Credential.register({ ...input, scopes: ['has space'] }, t0))).toBe('credential.invalid_scope');
    expect(codeOf(() => Credential.register({ ...input, allowedResources: [''] }, t0))).toBe('credential.invalid_resource');
    expect(codeOf(() => Credential.register({ ...input, allowedLocations: { cidrs: ['10.0.0.0/33'] } }, t0))).toBe('credential.invalid_cidr');
    expect(codeOf(() => Credential.register({ ...input, allowedLocations: { regions: ['US'] } }, t0))).toBe('credential.invalid_region');
    expect(codeOf(() => Credential.register({ ...input, expiresAt: t0 }, t0))).toBe('credential.invalid_expiry');
    expect(codeOf(() => Credential.register({ ...input, expiresAt: new Date('nope') }, t0))).toBe('credential.invalid_expiry');
    expect(codeOf(() => Credential.register({ ...input, scopes: Array.from({ length: 101 }, (_, i) => `s${i}`) }, t0))).toBe('credential.invalid_field');
    expect(codeOf(() => Credential.register({ ...input, expiresAt: null, allowedLocations: undefined, scopes: undefined }, t0))).toBeUndefined();
  });

  it('names the offending entry of a list', () => {
    try {
      Credential.register({ ...input, allowedLocations: { cidrs: ['10.0.0.0/8', '300.0.0.0/8'] } }, t0);
      expect.unreachable();
    } catch (e) {
      expect((e as CredentialError).field).toBe('/allowedLocations/cidrs/1');
    }
  });

  it('links and unlinks agents, idempotently', () => {
    const credential = registered();
    credential.linkAgent(agentB, t1);
    credential.linkAgent(agentA, t1);
    credential.linkAgent(agentA, t1);
    expect(credential.agentIds).toEqual([agentA, agentB]);
    credential.unlinkAgent(agentB, t1);
    credential.unlinkAgent(agentB, t1);
    expect(credential.agentIds).toEqual([agentA]);
    expect(credential.uncommittedEvents.map((e) => e.type)).toEqual(['credential.agent_linked', 'credential.agent_linked', 'credential.agent_unlinked']);
  });

  it('refuses to link an expired credential until it is rotated', () => {
    const credential = registered();
    const afterExpiry = new Date('2026-02-01T00:00:00Z');
    expect(credential.isExpired(afterExpiry)).toBe(true);
    expect(codeOf(() => credential.linkAgent(agentA, afterExpiry))).toBe('credential.expired');
    credential.rotate(fp('sf-token-2'), new Date('2027-01-01T00:00:00Z'), afterExpiry);
    credential.linkAgent(agentA, afterExpiry);
    expect(credential.agentIds).toEqual([agentA]);
  });

  it('rotates to a new fingerprint and records the old one as rotated out', () => {
    const credential = registered();
    credential.rotate(fp('sf-token-2'), undefined, t1);
    expect(credential.fingerprint).toBe(fp('sf-token-2'));
    expect(credential.rotatedOut).toEqual([fp('sf-token-1')]);
    expect(credential.expiresAt).toEqual(later);
    expect(credential.uncommittedEvents[0]?.payload).toMatchObject({ fingerprint: fp('sf-token-2'), previousFingerprint: fp('sf-token-1') });
    expect(codeOf(() => credential.rotate(fp('sf-token-2'), undefined, t1))).toBe('credential.fingerprint_unchanged');
    expect(codeOf(() => credential.rotate(fp('sf-token-1'), undefined, t1))).toBe('credential.fingerprint_reused');
    expect(codeOf(() => credential.rotate(fp('sf-token-3'), t0, t1))).toBe('credential.invalid_expiry');
    credential.rotate(fp('sf-token-3'), null, t1);
    expect(credential.expiresAt).toBeNull();
  });

  it('is terminal once revoked', () => {
    const credential = registered();
    credential.linkAgent(agentA, t1);
    credential.revoke('leaked in a log', t1);
    credential.revoke('again', t1);
    expect(credential.status).toBe('revoked');
    expect(codeOf(() => credential.linkAgent(agentB, t1))).toBe('credential.revoked');
    expect(codeOf(() => credential.unlinkAgent(agentA, t1))).toBe('credential.revoked');
    expect(codeOf(() => credential.rotate(fp('x'), undefined, t1))).toBe('credential.revoked');
    expect(credential.uncommittedEvents.map((e) => e.type)).toEqual(['credential.agent_linked', 'credential.revoked']);
  });

  it('rebuilds the same state from its history', () => {
    const history = recorded(Credential.register(input, t0).uncommittedEvents);
    const live = Credential.fromHistory(history);
    live.linkAgent(agentA, t1);
    live.rotate(fp('sf-token-2'), null, t1);
    const rebuilt = Credential.fromHistory([...history, ...recorded(live.uncommittedEvents, 1)]);
    const view = (c: Credential) => ({ fp: c.fingerprint, out: c.rotatedOut, agents: c.agentIds, exp: c.expiresAt, status: c.status, scopes: c.scopes });
    expect(view(rebuilt)).toEqual(view(live));
    expect(rebuilt.version).toBe(3);
    expect(codeOf(() => Credential.fromHistory([]))).toBe('credential.not_found');
  });
});
