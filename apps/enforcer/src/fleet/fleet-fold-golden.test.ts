// The fleet fold reads every peer decision on the topic, including what enforcers one version
// behind publish during a rolling upgrade: golden bytes (libs/contracts/testdata) of each receipt
// version must be read without a rejection, and folded when they carry window updates.
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, publicKeyBase64, ReceiptKeyDirectory, signerFromSeed, signReceiptKeyEntry, verifierFromPublicKey } from '@thoth/snapshot';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { ActiveSnapshots } from '../sync/active-snapshots.js';
import { FleetFold, scanEvent } from './fleet-fold.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const testdata = (name: string) => readFileSync(new URL(`../../../../libs/contracts/testdata/${name}`, import.meta.url));
const cp = signerFromSeed(generateSigningKey());
const store = { get: (t: string) => (t === TENANT ? {} : undefined) } as unknown as ActiveSnapshots;

function setup(now: number) {
  const directory = new ReceiptKeyDirectory(keyring([verifierFromPublicKey(cp.publicKey)]), silentLogger);
  const announce = (pub: string, instanceId: string) => {
    const verifier = verifierFromPublicKey(testdata(pub).toString('utf8').trim());
    const r = signReceiptKeyEntry({ tenantId: TENANT, enforcerId: instanceId, instanceId, keyId: verifier.keyId, publicKey: publicKeyBase64(verifier), announcedAt: new Date(now).toISOString(), status: 'active' }, cp);
    directory.apply(r.key, r.value, 'test');
  };
  const state = new WindowState();
  const fold = new FleetFold({ enforcerId: 'me', startedAt: now, store, state, directory, clock: () => now, logger: silentLogger });
  return { fold, state, announce };
}

/** The message as it is on the topic: keyed `tenant/agent`, the event's bytes as published. */
function message(name: string): [Buffer, Buffer] {
  const value = testdata(name);
  const scanned = scanEvent(value)!;
  return [Buffer.from(`${scanned.tenantId}/${scanned.agentId}`), value];
}

describe('FleetFold on golden decisions of each receipt version', () => {
  it('reads version 1 and 2 receipts (enforcers before window updates existed): nothing to fold, nothing refused, nothing held', () => {
    const { fold, announce } = setup(1_765_000_000_000);
    const previous = ['decision-event.receipt-v1.bin', 'decision-event.v1.bin', 'decision-event.previous-0.bin', 'decision-event.previous-1.bin'];
    for (const name of previous) {
      const [, value] = message(name);
      expect(scanEvent(value)).toMatchObject({ tenantId: TENANT, updates: [] });
      expect(scanEvent(value)!.decidedAtMs).toBeGreaterThan(0);
    }
    // Unknown keys, then announced ones (a downgrade under today's rule): either way, never folded nor refused.
    for (const name of previous) fold.fold(...message(name), 'rebuild');
    announce('receipt-key.previous.pub', 'enforcer-previous');
    announce('receipt-key.receipt-v1.pub', 'enforcer-receipt-v1');
    for (const name of previous) fold.fold(...message(name), 'follow');
    expect({ folded: fold.folded, rejected: fold.rejected, held: fold.held }).toEqual({ folded: 0, rejected: 0, held: 0 });
  });

  it('folds the window updates of a version 3 receipt once its key is announced, and holds them until then', () => {
    const [key, value] = message('decision-event.window-updates.bin');
    const decidedAt = scanEvent(value)!.decidedAtMs!;
    const { fold, state, announce } = setup(decidedAt + 1_000);
    fold.fold(key, value, 'follow');
    expect({ folded: fold.folded, held: fold.held }).toEqual({ folded: 0, held: 1 });
    announce('receipt-key.window-updates.pub', 'edge-a');
    expect({ folded: fold.folded, rejected: fold.rejected, held: fold.held }).toEqual({ folded: 1, rejected: 0, held: 0 });
    expect(state.read(`L\u0000deletes\u0000${TENANT}\u0000crm-agent`, 600_000, decidedAt + 1_000)).toMatchObject({ calls: 1, records: 4 });
  });
});
