import { AgentStatus, PolicyFormat, TenantMode } from '@thoth/contracts';
import { generateSigningKey, keyring, openSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { describe, expect, it } from 'vitest';
import { SnapshotCache, type TenantSnapshot } from './snapshot-cache.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);
const policy = (extra = '') =>
  new TextEncoder().encode(`apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: p, version: "1"}\ndefaults: {effect: allow}\n${extra}`);
const config = (status = AgentStatus.ACTIVE, content = policy()) => ({
  mode: TenantMode.ENFORCE,
  policy: { version: 1n, format: PolicyFormat.YAML, content },
  agents: [{ agentId: 'a1', status }],
});

describe('SnapshotCache', () => {
  it('versions, hashes and signs what it publishes, and tells listeners', () => {
    const cache = new SnapshotCache({ signer, clock: () => 1_000 });
    const seen: TenantSnapshot[] = [];
    cache.watch('t1', (s) => seen.push(s));
    const first = cache.setSnapshot('t1', config());
    expect(first).toMatchObject({ ok: true, changed: true, snapshot: { version: 1n, publishedAt: 1_000 } });
    const second = cache.setSnapshot('t1', config(AgentStatus.SUSPENDED));
    expect(second).toMatchObject({ ok: true, changed: true, snapshot: { version: 2n } });
    expect(seen.map((s) => s.version)).toEqual([1n, 2n]);
    const opened = openSnapshot(cache.get('t1')!.signed, trusted, { tenantId: 't1', version: 2n });
    expect(opened.ok && opened.config.agents[0]?.status).toBe(AgentStatus.SUSPENDED);
    expect(opened.ok && opened.config.contentHash).toBe(cache.get('t1')!.contentHash);
  });

  it('publishes nothing for equal content, and nothing that does not compile', () => {
    const cache = new SnapshotCache({ signer });
    cache.setSnapshot('t1', config());
    expect(cache.setSnapshot('t1', config())).toMatchObject({ ok: true, changed: false, snapshot: { version: 1n } });
    const bad = cache.setSnapshot('t1', config(AgentStatus.ACTIVE, policy('rules:\n  - {id: r, effect: deny, when: "args.x >"}\n')));
    expect(bad).toMatchObject({ ok: false, code: 'POLICY_INVALID' });
    expect(!bad.ok && bad.errors?.[0]?.code).toBe('cel.syntax');
    expect(cache.get('t1')?.version).toBe(1n);
  });

  it('takes explicit versions (the event stream version) but never goes back', () => {
    const cache = new SnapshotCache({ signer });
    expect(cache.setSnapshot('t1', config(), { version: 10n })).toMatchObject({ ok: true, snapshot: { version: 10n } });
    expect(cache.setSnapshot('t1', config(AgentStatus.SUSPENDED), { version: 9n })).toMatchObject({ ok: false, code: 'STALE_VERSION' });
  });

  it('signs with the key it is given, and only with it', () => {
    // How tests make a snapshot enforcers refuse: a cache holding a key they do not trust.
    const other = new SnapshotCache({ signer: signerFromSeed(generateSigningKey()) });
    const result = other.setSnapshot('t1', config());
    expect(result.ok && result.snapshot.signed.keyId).toBe(other.keyId);
    expect(result.ok && openSnapshot(result.snapshot.signed, trusted)).toMatchObject({ ok: false, code: 'UNKNOWN_KEY' });
    expect(new SnapshotCache({ signer }).keyId).toBe(signer.keyId);
  });
});

describe('SnapshotCache with explicit versions', () => {
  it('keeps equal content under the same version, and relabels it under a newer one', () => {
    const cache = new SnapshotCache({ signer });
    cache.setSnapshot('t1', config(), { version: 10n });
    expect(cache.setSnapshot('t1', config(), { version: 10n })).toMatchObject({ ok: true, changed: false, snapshot: { version: 10n } });
    expect(cache.setSnapshot('t1', config(), { version: 12n })).toMatchObject({ ok: true, changed: true, snapshot: { version: 12n } });
  });
});
