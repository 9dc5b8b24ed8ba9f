import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect, WindowUpdateSchema } from '@thoth/contracts';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, publicKeyBase64, ReceiptKeyDirectory, signDecisionEvents, signerFromSeed, signReceiptKeyEntry, verifierFromPublicKey, type Signer } from '@thoth/snapshot';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { ActiveSnapshots } from '../sync/active-snapshots.js';
import { FleetFold, scanEvent } from './fleet-fold.js';
import { FleetMetrics } from './fleet-metrics.js';

const T = 'tenant-1';
const NOW = 1_800_000_000_000;
const WINDOW = 600_000;
const key = (agent: string) => `L\u0000five\u0000${T}\u0000${agent}`;
const cp = signerFromSeed(generateSigningKey());
const peer = signerFromSeed(generateSigningKey());
const store = { get: (t: string) => (t === T ? {} : undefined) } as unknown as ActiveSnapshots;

function event(options: { agent?: string; enforcerId?: string; decidedAt?: number; calls?: number; signer?: Signer } = {}) {
  const e = create(DecisionEventSchema, {
    decisionId: 'd1',
    tenantId: T,
    agentId: options.agent ?? 'a1',
    tool: 'crm.read',
    effect: Effect.ALLOW,
    enforcerId: options.enforcerId ?? 'peer',
    decidedAt: timestampFromMs(options.decidedAt ?? NOW - 1_000),
    windowUpdates: [create(WindowUpdateSchema, { key: key(options.agent ?? 'a1'), windowMs: BigInt(WINDOW), calls: options.calls ?? 1, records: 2n })],
  });
  signDecisionEvents([e], options.signer ?? peer);
  return { key: Buffer.from(`${T}/${e.agentId}`), value: Buffer.from(toBinary(DecisionEventSchema, e)) };
}

function setup(holdMax?: number, options: { state?: WindowState; registry?: Registry } = {}) {
  const directory = new ReceiptKeyDirectory(keyring([verifierFromPublicKey(cp.publicKey)]), silentLogger);
  const announce = (s: Signer, id: string) => {
    const r = signReceiptKeyEntry({ tenantId: T, enforcerId: id, instanceId: id, keyId: s.keyId, publicKey: publicKeyBase64(s), announcedAt: new Date(NOW).toISOString(), status: 'active' }, cp);
    directory.apply(r.key, r.value, 'test');
  };
  const state = options.state ?? new WindowState();
  const listener = new FleetMetrics(options.registry ?? new Registry(), () => 0);
  const fold = new FleetFold({ enforcerId: 'me', startedAt: NOW - 5_000, store, state, directory, clock: () => NOW, logger: silentLogger, listener, ...(holdMax ? { holdMax } : {}) });
  return { fold, state, announce, calls: (agent: string) => state.read(key(agent), WINDOW, NOW).calls };
}

describe('FleetFold', () => {
  it('reads only what it needs of an event, as protobuf-es encodes it', () => {
    const scanned = scanEvent(event({ decidedAt: NOW - 1_234 }).value)!;
    expect(scanned).toMatchObject({ tenantId: T, agentId: 'a1', enforcerId: 'peer', decidedAtMs: NOW - 1_234 });
    expect(scanned.updates).toEqual([expect.objectContaining({ key: key('a1'), windowMs: BigInt(WINDOW), calls: 1, records: 2n })]);
    expect(scanEvent(Buffer.from([0xff, 0xff, 0xff]))).toBeUndefined();
  });

  it("skips this process's own decisions, folds a previous process's with the same id", () => {
    const { fold, announce, calls } = setup();
    announce(peer, 'me');
    fold.fold(...pair(event({ enforcerId: 'me', decidedAt: NOW - 1_000 })), 'follow');
    expect(calls('a1')).toBe(0);
    fold.fold(...pair(event({ enforcerId: 'me', decidedAt: NOW - 10_000 })), 'rebuild');
    expect(calls('a1')).toBe(1);
    expect(fold.rebuilt).toBe(1);
  });

  it("does not decode another tenant's messages", () => {
    const { fold, calls } = setup();
    fold.fold(Buffer.from('tenant-2/a1'), Buffer.from([0xff]), 'follow');
    expect(fold.rejected).toBe(0);
    expect(calls('a1')).toBe(0);
  });

  it('holds an event whose key is not in the directory yet, folds it when the key arrives; beyond the bound drops the oldest', () => {
    const { fold, announce, calls } = setup(2);
    fold.fold(...pair(event({ agent: 'a1' })), 'follow');
    fold.fold(...pair(event({ agent: 'a2' })), 'follow');
    fold.fold(...pair(event({ agent: 'a3' })), 'follow');
    expect(fold.held).toBe(2);
    expect(fold.rejected).toBe(1); // a1's, dropped FLEET_HOLD_FULL
    announce(peer, 'peer');
    expect(fold.held).toBe(0);
    expect([calls('a1'), calls('a2'), calls('a3')]).toEqual([0, 1, 1]);
  });

  it('refuses an event keyed for one tenant and naming another', () => {
    const { fold, announce } = setup();
    announce(peer, 'peer');
    const { value } = event();
    fold.fold(Buffer.from(`${T}/a1`), value, 'follow');
    expect(fold.folded).toBe(1);
    const other = create(DecisionEventSchema, { tenantId: 'tenant-2', agentId: 'a1', enforcerId: 'peer', decidedAt: timestampFromMs(NOW), windowUpdates: [create(WindowUpdateSchema, { key: key('a1'), windowMs: BigInt(WINDOW), calls: 1 })] });
    signDecisionEvents([other], peer);
    fold.fold(Buffer.from(`${T}/a1`), Buffer.from(toBinary(DecisionEventSchema, other)), 'follow');
    expect(fold.rejected).toBe(1);
    expect(fold.folded).toBe(1);
  });

  it("counts a believed decision's updates the window state does not keep: a quota full, a window of another length", async () => {
    const registry = new Registry();
    const state = new WindowState({ maxKeys: 1 });
    const { fold, announce, calls } = setup(undefined, { state, registry });
    announce(peer, 'peer');
    fold.fold(...pair(event({ agent: 'a1' })), 'follow');
    fold.fold(...pair(event({ agent: 'a2' })), 'follow'); // a second key: past maxKeys
    state.apply([{ key: key('a1'), windowMs: 60_000, calls: 1, records: 0 }], NOW); // a1's window, now another length
    fold.fold(...pair(event({ agent: 'a1' })), 'follow');
    expect([calls('a1'), calls('a2')]).toEqual([0, 0]);
    expect(fold.rejected).toBe(2);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/thoth_enforcer_fleet_rejected_total\{code="FLEET_QUOTA_FULL"\} 1/);
    expect(metrics).toMatch(/thoth_enforcer_fleet_rejected_total\{code="FLEET_WINDOW_MISMATCH"\} 1/);
  });
});

const pair = (m: { key: Buffer; value: Buffer }) => [m.key, m.value] as const;
