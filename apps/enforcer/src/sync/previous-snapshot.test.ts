// An enforcer upgraded in place restarts on the last-good snapshot the previous release wrote to
// disk (libs/contracts/testdata/signed-snapshot.previous.bin: a SignedSnapshot signed by 63aae65,
// stored by its SnapshotDisk, whose file format has not changed since) and decides on it before
// the control plane answers: today's activation path must verify, compile and serve it.
import { create, fromBinary } from '@bufbuild/protobuf';
import { DecideRequestSchema, Effect, SignedSnapshotSchema, SubscribeResponseSchema, type DecisionEvent } from '@thoth/contracts';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, verifyDecisionEvent } from '@thoth/snapshot';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionService } from '../decide/decision-service.js';
import { InProcessDecisionLog } from '../emit/in-process-decision-log.js';
import { activate } from './activate.js';
import { ActiveSnapshots } from './active-snapshots.js';
import { SnapshotDisk } from './snapshot-disk.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const testdata = (name: string) => fileURLToPath(new URL(`../../../../libs/contracts/testdata/${name}`, import.meta.url));
const controlPlaneKey = () => keyring([verifierFromPublicKey(readFileSync(testdata('snapshot-key.previous.pub'), 'utf8').trim())]);
const enc = (s: string) => new TextEncoder().encode(s);

describe('a snapshot signed by the previous release (63aae65)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is loaded from the disk it left, verified and activated by today’s enforcer, which decides on it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'thoth-previous-snapshot-'));
    await copyFile(testdata('signed-snapshot.previous.bin'), join(dir, `${encodeURIComponent(TENANT)}.snapshot`));
    const [stored] = await new SnapshotDisk(dir).load();
    expect(stored).toMatchObject({ file: `${TENANT}.snapshot`, signed: { keyId: 'ed25519:21c4e9c9f43a624b' } });

    const now = 1_764_000_000_000;
    const store = new ActiveSnapshots();
    const activation = activate(store, stored!.signed!, controlPlaneKey(), now, { tenantId: TENANT });
    expect(activation).toMatchObject({ ok: true, unchanged: false, tenant: { tenantId: TENANT, version: 3n } });

    const log = new InProcessDecisionLog({ capacity: 10 });
    const events: DecisionEvent[] = [];
    log.subscribe((batch) => void events.push(...batch));
    const receiptSigner = signerFromSeed(generateSigningKey());
    const service = new DecisionService({ enforcerId: 'enforcer-upgraded', store, state: new WindowState({ maxKeys: 10 }), signer: receiptSigner, decisionLog: log, maxArgumentsBytes: 1_024, clock: () => now });
    const call = (tool: string) => create(DecideRequestSchema, { requestId: `req-${tool}`, tenantId: TENANT, agentId: 'crm-agent', tool, argumentsJson: enc('{"table":"contacts"}') });
    const denied = await service.decide(call('db.drop_table'), 'thoth_at_previous_release', 'test');
    const allowed = await service.decide(call('crm.read_contact'), 'thoth_at_previous_release', 'test');
    expect([denied.response.effect, denied.response.matchedRules[0]?.ruleId, denied.response.receipt?.configVersion]).toEqual([Effect.DENY, 'no-drops', 3n]);
    expect(allowed.response.effect).toBe(Effect.ALLOW);
    await expect.poll(() => events.length).toBe(2);
    // Retained as the previous release's snapshot asked, and signed as today's receipts are.
    expect(new TextDecoder().decode(events[0]!.retainedArgumentsJson)).toBe('{"table":"contacts"}');
    const trusted = keyring([verifierFromPublicKey(receiptSigner.publicKey)]);
    for (const event of events) expect(verifyDecisionEvent(event, trusted)).toMatchObject({ ok: true, coverage: 'event' });
  });

  it('is activated from the SnapshotPush the previous control plane put on the wire, as the config stream does', () => {
    const response = fromBinary(SubscribeResponseSchema, new Uint8Array(readFileSync(testdata('config-push.previous.bin'))));
    if (response.kind.case !== 'snapshot') throw new Error('not a push');
    const push = response.kind.value;
    expect(push).toMatchObject({ tenantId: TENANT, version: 1n, baseVersion: 0n });
    const trusted = keyring([verifierFromPublicKey(readFileSync(testdata('config-push-key.previous.pub'), 'utf8').trim())]);
    const activation = activate(new ActiveSnapshots(), push.snapshot!, trusted, 0, { tenantId: push.tenantId, version: push.version });
    expect(activation).toMatchObject({ ok: true, tenant: { tenantId: TENANT, version: 1n } });
  });

  it('is refused when a byte of it changed, and the tenant stays without a snapshot', () => {
    const signed = fromBinary(SignedSnapshotSchema, new Uint8Array(readFileSync(testdata('signed-snapshot.previous.bin'))));
    const store = new ActiveSnapshots();
    const tampered = { ...signed, snapshot: signed.snapshot.map((b, i) => (i === signed.snapshot.length - 1 ? b ^ 1 : b)) };
    expect(activate(store, tampered, controlPlaneKey(), 0)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(store.get(TENANT)).toBeUndefined();
  });
});
