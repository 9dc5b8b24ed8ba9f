import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AgentStatus, EnforcerConfigSchema, Outcome, PolicyFormat, RevocationReason, TenantMode } from '@thoth/contracts';
import { WindowState, decide } from '@thoth/policy';
import { describe, expect, it } from 'vitest';
import { compileSnapshot, tenantContextOf, generateSigningKey, keyring, openSnapshot, receiptSigningPayload, signReceipt, signSnapshot, signerFromSeed, snapshotContentHash, verifierFromPublicKey, verifyReceipt } from './index.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);
const policy = new TextEncoder().encode('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: p, version: "1"}\ndefaults: {effect: allow}\nrules:\n  - {id: no-drop, match: {tools: ["db.drop*"]}, effect: deny}\n');
const config = {
  tenantId: 't1',
  version: 3n,
  mode: TenantMode.ENFORCE,
  policy: { version: 1n, format: PolicyFormat.YAML, content: policy },
  agents: [
    { agentId: 'b', status: AgentStatus.ACTIVE, labels: { z: '1', a: '2' }, tokenSha256: ['ff', 'aa'] },
    { agentId: 'a', status: AgentStatus.SUSPENDED },
  ],
};

describe('snapshots', () => {
  it('round-trips: sign, verify, decode, same content hash whatever the order', () => {
    const { signed, config: signedConfig } = signSnapshot(config, signer);
    const opened = openSnapshot(signed, trusted, { tenantId: 't1', version: 3n });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.config.agents.map((a) => a.agentId)).toEqual(['a', 'b']);
    expect(opened.config.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = signSnapshot({ ...config, version: 9n, agents: [...config.agents].reverse() }, signer).config;
    expect(reordered.contentHash).toBe(signedConfig.contentHash);
    expect(snapshotContentHash(create(EnforcerConfigSchema, { ...config, mode: TenantMode.SHADOW }))).not.toBe(signedConfig.contentHash);
  });

  it('refuses a flipped bit, an unknown key, a mismatched push and a forged content hash', () => {
    const { signed } = signSnapshot(config, signer);
    const tampered = { ...signed, snapshot: Uint8Array.from(signed.snapshot) };
    tampered.snapshot[5] = (tampered.snapshot[5] ?? 0) ^ 1;
    expect(openSnapshot(tampered, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(openSnapshot(signed, keyring([]))).toMatchObject({ ok: false, code: 'UNKNOWN_KEY' });
    expect(openSnapshot(signed, trusted, { version: 4n })).toMatchObject({ ok: false, code: 'SNAPSHOT_MISMATCH' });
    expect(openSnapshot(signed, trusted, { tenantId: 't2' })).toMatchObject({ ok: false, code: 'SNAPSHOT_MISMATCH' });
    const forged = create(EnforcerConfigSchema, { ...config, contentHash: 'ab'.repeat(32) });
    const bytes = toBinary(EnforcerConfigSchema, forged);
    expect(openSnapshot({ ...signed, snapshot: bytes, signature: signer.sign(bytes) }, trusted)).toMatchObject({ ok: false, code: 'CONTENT_HASH_MISMATCH' });
  });

  it('compiles with the tenant bound: the kill switch and policy errors', () => {
    const compiled = compileSnapshot(signSnapshot(config, signer).config);
    expect(compiled.ok).toBe(true);
    const bad = compileSnapshot(create(EnforcerConfigSchema, { ...config, policy: { content: new TextEncoder().encode('kind: Nope') } }));
    expect(bad).toMatchObject({ ok: false, code: 'POLICY_INVALID' });
  });
});

describe('revoked credentials in snapshots', () => {
  const fp = (c: string) => c.repeat(64);
  const ts = (iso: string) => timestampFromMs(Date.parse(iso));
  const withRevoked = {
    ...config,
    credentialBindings: [
      { credentialId: 'c1', credentialFingerprint: fp('a'), agentIds: ['b'], expiresAt: ts('2026-12-01T00:00:00Z') },
      { credentialId: 'c2', credentialFingerprint: fp('d'), agentIds: ['b'] },
    ],
    revokedCredentials: [
      { credentialId: 'c3', credentialFingerprint: fp('e'), reason: RevocationReason.REVOKED, since: ts('2026-11-20T10:00:00Z') },
      { credentialId: 'c1', credentialFingerprint: fp('b'), reason: RevocationReason.ROTATED_OUT, since: ts('2026-11-21T08:30:00Z') },
      { credentialId: 'c4', credentialFingerprint: fp('f'), reason: RevocationReason.UNSPECIFIED },
    ],
  };

  it('hash equally in any order, and differently when a revocation changes', () => {
    const signed = signSnapshot(withRevoked, signer).config;
    expect(signed.revokedCredentials.map((r) => r.credentialFingerprint)).toEqual([fp('b'), fp('e'), fp('f')]);
    const reordered = signSnapshot({ ...withRevoked, revokedCredentials: [...withRevoked.revokedCredentials].reverse() }, signer).config;
    expect(reordered.contentHash).toBe(signed.contentHash);
    const opened = openSnapshot(signSnapshot(withRevoked, signer).signed, trusted);
    expect(opened.ok && opened.config.revokedCredentials).toEqual(signed.revokedCredentials);
    const later = { ...withRevoked, revokedCredentials: [{ ...withRevoked.revokedCredentials[0]!, since: ts('2026-11-20T10:00:01Z') }, ...withRevoked.revokedCredentials.slice(1)] };
    expect(signSnapshot(later, signer).config.contentHash).not.toBe(signed.contentHash);
    const unbound = { ...withRevoked, credentialBindings: [{ ...withRevoked.credentialBindings[0]!, expiresAt: undefined }, withRevoked.credentialBindings[1]!] };
    expect(signSnapshot(unbound, signer).config.contentHash).not.toBe(signed.contentHash);
  });

  it('reach the tenant context: revoked and rotated-out since their time, expiry from the binding, an unset reason or time failing closed', () => {
    const tenant = tenantContextOf(create(EnforcerConfigSchema, withRevoked));
    expect(tenant.revokedCredentials).toEqual([
      { fingerprint: fp('e'), reason: 'revoked', at: Date.parse('2026-11-20T10:00:00Z') },
      { fingerprint: fp('b'), reason: 'rotated_out', at: Date.parse('2026-11-21T08:30:00Z') },
      { fingerprint: fp('f'), reason: 'revoked', at: 0 },
      { fingerprint: fp('a'), reason: 'expired', at: Date.parse('2026-12-01T00:00:00Z') },
    ]);
  });

  it('compile into denials at decision time', () => {
    const compiled = compileSnapshot(signSnapshot(withRevoked, signer).config);
    if (!compiled.ok) throw new Error(compiled.message);
    const call = (fingerprint: string, now: number) =>
      decide(compiled.policy, { tenantId: 't1', agent: { id: 'b' }, tool: 'crm.read', args: {}, credential: { fingerprint } }, new WindowState(), now);
    const now = Date.parse('2026-11-25T00:00:00Z');
    expect(call(fp('e'), now).matched[0]?.reason).toBe('credential eeeeeeeeeeee… was revoked at 2026-11-20T10:00:00.000Z; every call with it is denied');
    expect(call(fp('b'), now).matched[0]?.reason).toBe('credential bbbbbbbbbbbb… was rotated out at 2026-11-21T08:30:00.000Z; use the new one');
    expect(call(fp('a'), now).effect).toBe('allow');
    expect(call(fp('a'), Date.parse('2026-12-01T00:00:00Z')).matched[0]?.reason).toBe('credential aaaaaaaaaaaa… expired at 2026-12-01T00:00:00.000Z; every call with it is denied');
    expect(call(fp('d'), now).effect).toBe('allow');
  });
});

describe('receipts', () => {
  const init = {
    decisionId: '0190a000-0000-7000-8000-000000000000',
    requestId: 'r1',
    tenantId: 't1',
    agentId: 'a',
    tool: 'db.drop',
    argumentsDigest: 'cd'.repeat(32),
    outcome: Outcome.DENY,
    reasons: ['no-drop: line one\nline two', 'é'],
    policyVersion: 1n,
    policyHash: 'ef'.repeat(32),
    configVersion: 3n,
    decidedAt: { seconds: 1_700_000_000n, nanos: 5 },
    enforcerId: 'enf-1',
  };

  it('has a documented, length-prefixed payload', () => {
    const receipt = signReceipt(init, signer);
    const text = new TextDecoder().decode(receiptSigningPayload(receipt));
    expect(text).toBe(
      'thoth.receipt.v1\n' +
        'decision_id 36:0190a000-0000-7000-8000-000000000000\nrequest_id 2:r1\ntenant_id 2:t1\nagent_id 1:a\ntool 7:db.drop\n' +
        `arguments_digest 64:${'cd'.repeat(32)}\noutcome 4:DENY\nreasons 2:\nreason 26:no-drop: line one\nline two\nreason 2:é\n` +
        `policy_version 1:1\npolicy_hash 64:${'ef'.repeat(32)}\nconfig_version 1:3\ndecided_at 20:1700000000.000000005\n` +
        `enforcer_id 5:enf-1\nkey_id ${signer.keyId.length}:${signer.keyId}\n`,
    );
  });

  it('verifies, and fails on any changed field', () => {
    const receipt = signReceipt(init, signer);
    expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
    expect(verifyReceipt({ ...receipt, outcome: Outcome.ALLOW }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verifyReceipt({ ...receipt, reasons: ['other'] }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
  });
});
