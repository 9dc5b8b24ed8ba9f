import { AgentStatus } from '@thoth/contracts';
import { generateSigningKey, keyring, openSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TenantState } from './enforcer-config.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { SnapshotCache } from './snapshot-cache.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);
const T = '00000000-0000-4000-8000-000000000001';
const at = new Date('2026-01-01T00:00:00Z');
const policySource = (n: number) => `apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: p, version: "${n}"}\ndefaults: {effect: allow}\n`;

function world() {
  const state = { position: 5n, policyVersion: 1, suspended: false, reads: 0 };
  // Runs after the version is read and before the read models are: a commit in between.
  const between: { commit?: () => void } = {};
  const read = async (tenantId: string): Promise<TenantState | undefined> => {
    state.reads++;
    if (tenantId !== T) return undefined;
    return {
      tenant: { tenantId: T, name: 'Acme', email: 'a@b.c', mode: 'enforce', failMode: 'closed', signedUpAt: at, trialEndsAt: at, decisionRetentionDays: 90, argumentRetentionDays: 30, version: 1, updatedAt: at },
      policy: {
        policy: { tenantId: T, currentVersion: state.policyVersion, contentHash: 'x', mode: 'enforce', version: 1, updatedAt: at },
        current: {
          tenantId: T, version: state.policyVersion, format: 'yaml', source: policySource(state.policyVersion), contentHash: 'x',
          documentName: 'p', documentVersion: '1', rolledBackTo: null, publishedAt: at, publishedBy: 'key:1',
        },
      },
      agents: [
        { agentId: 'a-uuid', tenantId: T, name: 'crm-agent', description: null, labels: {}, status: state.suspended ? 'suspended' : 'active', statusReason: null, statusChangedAt: at, tokenHash: 'ab'.repeat(32), tokenHint: 'thoth_at_abcd', registeredAt: at, version: 1, updatedAt: at },
      ],
      credentials: [],
    };
  };
  const version = async (tenantId: string) => {
    const position = tenantId === T ? state.position : undefined;
    between.commit?.();
    between.commit = undefined;
    return position;
  };
  return { state, between, read, version };
}

const quiet = pino({ level: 'silent' });
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('SnapshotBuilder', () => {
  it('builds a tenant on its first subscription, versioned by its last relevant event', async () => {
    const w = world();
    const cache = new SnapshotCache({ signer });
    const builder = new SnapshotBuilder({ cache, version: w.version, read: w.read, logger: quiet });
    const snapshot = await builder.ensure(T);
    expect(snapshot?.version).toBe(5n);
    const opened = openSnapshot(snapshot!.signed, trusted, { tenantId: T, version: 5n });
    expect(opened.ok && opened.config.agents.map((a) => a.agentId)).toEqual(['crm-agent']);
    expect(await builder.ensure('00000000-0000-4000-8000-00000000dead')).toBeUndefined();
  });

  it('rebuilds served tenants on change, coalescing bursts, and ignores tenants it does not serve', async () => {
    const w = world();
    const cache = new SnapshotCache({ signer });
    const builder = new SnapshotBuilder({ cache, version: w.version, read: w.read, logger: quiet, debounceMs: 5 });
    builder.changed(T);
    await settle();
    expect(w.state.reads).toBe(0);
    await builder.ensure(T);
    w.state.suspended = true;
    w.state.position = 9n;
    for (let i = 0; i < 10; i++) builder.changed(T);
    await settle();
    expect(w.state.reads).toBe(2);
    expect(cache.get(T)?.version).toBe(9n);
    // The same event heard twice (EventBus and NOTIFY) publishes nothing new.
    builder.changed(T);
    await settle();
    expect(cache.get(T)?.version).toBe(9n);
    await builder.close();
  });

  it('publishes the next version when a change commits between reading the version and the read models', async () => {
    const w = world();
    const cache = new SnapshotCache({ signer });
    const builder = new SnapshotBuilder({ cache, version: w.version, read: w.read, logger: quiet });
    await builder.ensure(T);
    // A rebuild with nothing new reads version 5; the suspension commits at 9 before the read models are read.
    w.between.commit = () => {
      w.state.suspended = true;
      w.state.position = 9n;
    };
    builder.resync();
    await settle();
    expect(cache.get(T)?.version).toBe(6n);
    const opened = openSnapshot(cache.get(T)!.signed, trusted, { tenantId: T, version: 6n });
    expect(opened.ok && opened.config.agents[0]?.status).toBe(AgentStatus.SUSPENDED);
    // The suspension's own build relabels the same content with its position.
    builder.changed(T);
    await settle();
    expect(cache.get(T)?.version).toBe(9n);
    await builder.close();
  });
});
