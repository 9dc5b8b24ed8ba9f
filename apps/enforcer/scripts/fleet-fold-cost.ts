// The CPU a fleet fold costs per peer decision (docs/fleet-state.md): signed events as an enforcer
// publishes them (batch-signed, ~600 bytes, one window update each), folded by FleetFold as the
// fleet consumer does, each batch's signature verified once, against the cost of the same events'
// full decode. `node --import tsx apps/enforcer/scripts/fleet-fold-cost.ts [--batches=1,4,32,128]`
// (with --cpu-prof for where it goes)
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { DecisionEventSchema, Effect, WindowUpdateSchema } from '@thoth/contracts';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, publicKeyBase64, ReceiptKeyDirectory, signDecisionEvents, signerFromSeed, signReceiptKeyEntry, verifierFromPublicKey } from '@thoth/snapshot';
import { FleetFold } from '../src/fleet/fleet-fold.js';
import type { ActiveSnapshots } from '../src/sync/active-snapshots.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000be0c';
const N = 10_000;
/**
 * Batch sizes of the peer's receipts: a batch is what an enforcer answered in one turn of its event
 * loop, one signature verified per batch; about 120 in a loaded bench:fleet run, 1 for a call
 * answered alone.
 */
const BATCHES = (process.argv.find((a) => a.startsWith('--batches='))?.slice('--batches='.length) ?? '1,4,32,128').split(',').map(Number);
const cp = signerFromSeed(generateSigningKey());
const peer = signerFromSeed(generateSigningKey());
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const directory = new ReceiptKeyDirectory(keyring([verifierFromPublicKey(cp.publicKey)]), quiet);
const record = signReceiptKeyEntry({ tenantId: TENANT, enforcerId: 'peer', instanceId: 'peer', keyId: peer.keyId, publicKey: publicKeyBase64(peer), announcedAt: new Date().toISOString(), status: 'active' }, cp);
directory.apply(record.key, record.value, 'bench');

const now = Date.now();
/** N events signed in batches of `batch`, as a peer publishes them: each call signs new batches. */
function published(batch: number): Array<{ key: Buffer; value: Buffer }> {
  const nonce = Math.random().toString(16).slice(2, 10);
  const events = Array.from({ length: N }, (_, i) =>
    create(DecisionEventSchema, {
      decisionId: `0193b1c2-${String(i).padStart(4, '0')}-7000-8000-${nonce}0000`,
      requestId: `req-${i}`,
      tenantId: TENANT,
      agentId: `agent-${i % 50}`,
      tool: 'crm.delete_records',
      argumentsDigest: 'a'.repeat(64),
      resource: 'crm/contacts',
      effect: Effect.ALLOW,
      policyHash: 'b'.repeat(64),
      enforcerId: 'peer',
      decidedAt: timestampFromMs(now - 1_000 + (i % 1_000)),
      matchedRules: [{ ruleId: 'delete-blast-radius', reason: 'call 3 within 10m (per agent); at most 50' }],
      windowUpdates: [create(WindowUpdateSchema, { key: `L\u0000delete-blast-radius\u0000${TENANT}\u0000agent-${i % 50}`, windowMs: 600_000n, calls: 1, records: 3n })],
    }),
  );
  for (let i = 0; i < N; i += batch) signDecisionEvents(events.slice(i, i + batch), peer);
  return events.map((e) => ({ key: Buffer.from(`${TENANT}/${e.agentId}`), value: Buffer.from(toBinary(DecisionEventSchema, e)) }));
}

/** CPU per event of `run` over fresh messages (a warm-up on others first): every batch signature is verified once. */
function measure(label: string, batch: number, run: (messages: Array<{ key: Buffer; value: Buffer }>) => void): number {
  run(published(batch)); // warm up
  const messages = published(batch);
  const start = process.cpuUsage();
  run(messages);
  const used = process.cpuUsage(start);
  const us = (used.user + used.system) / N;
  console.log(`${label}: ${us.toFixed(1)} µs CPU per event`);
  return us;
}

const store = { get: (t: string) => (t === TENANT ? {} : undefined) } as unknown as ActiveSnapshots;
const foldAll = (messages: Array<{ key: Buffer; value: Buffer }>) => {
  const fold = new FleetFold({ enforcerId: 'me', startedAt: now, store, state: new WindowState(), directory, clock: Date.now, logger: quiet });
  for (const m of messages) fold.fold(m.key, m.value, 'follow');
  if (fold.folded !== N) throw new Error(`folded ${fold.folded} of ${N} (rejected ${fold.rejected})`);
};
console.log(`${N} signed events of ${published(1)[0]!.value.length} bytes`);
for (const batch of BATCHES) measure(`fold (scan, verify over the bytes, apply), batches of ${batch}`, batch, foldAll);
measure('full fromBinary alone (for comparison)', BATCHES[0]!, (messages) => {
  for (const m of messages) fromBinary(DecisionEventSchema, m.value);
});
measure("another tenant's event (filtered on the key)", BATCHES[0]!, (messages) => {
  const fold = new FleetFold({ enforcerId: 'me', startedAt: now, store, state: new WindowState(), directory, clock: Date.now, logger: quiet });
  for (const m of messages) fold.fold(Buffer.from(`another-tenant/${m.key.toString().split('/')[1]}`), m.value, 'follow');
});
