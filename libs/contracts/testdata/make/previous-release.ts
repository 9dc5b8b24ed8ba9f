// Writes the *.previous.* golden fixtures with the code of the previous release, 63aae65 (the last
// commit of 2026-11-25, before the 2026-12-07 changes): run from a worktree of that commit, never
// against today's code (README.md, "How the fixtures were made"):
//   git worktree add --detach /tmp/old-rel 63aae65 && cd /tmp/old-rel && pnpm install --frozen-lockfile --offline
//   cp <this file> apps/enforcer/src/ && pnpm exec tsx apps/enforcer/src/previous-release.ts <testdata dir>
// A control plane signs a snapshot, the enforcer activates it and decides two calls (receipts
// version 2, one batch), the ledger's tree folds the published events and signs a checkpoint,
// and the ledger's reader assembles the evidence bundle of the second decision.
import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { AgentStatus, DecideRequestSchema, DecideResponseSchema, DecisionEventSchema, EnforcerConfigSchema, FailMode, PolicyFormat, SignedSnapshotSchema, TenantMode, type DecisionEvent } from '@thoth/contracts';
import { messageEncoder } from '@thoth/grpc';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, publicKeyBase64, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVIDENCE_BUNDLE_VERSION } from '../../ledger/src/evidence/evidence-bundle.js';
import { tenantOrigin } from '../../ledger/src/checkpoint/origin.js';
import { encodeBase64, generateSignerKey, inclusionProof, leafHash, MemoryTreeStore, parseSignerKey, rootAt, signCheckpoint, verifierFromSigner } from '../../../libs/merkle/src/index.js';
import { DecisionService } from './decide/decision-service.js';
import { EnforcerMetrics } from './decide/metrics.js';
import { InProcessDecisionLog } from './emit/in-process-decision-log.js';
import { activate } from './sync/activate.js';
import { ActiveSnapshots } from './sync/active-snapshots.js';

const out = process.argv[2]!;
const write = (name: string, data: Uint8Array | string) => writeFileSync(join(out, name), data);
const enc = (s: string) => new TextEncoder().encode(s);
const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const TOKEN = 'thoth_at_previous_release';
const POLICY = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: previous-release, version: "7"}
defaults: {effect: allow}
rules:
  - id: no-drops
    match: {tools: ["db.drop_*"]}
    effect: deny
    severity: critical
    reason: Nobody drops tables.
`;

const controlPlane = signerFromSeed(generateSigningKey());
const config = create(EnforcerConfigSchema, {
  tenantId: TENANT,
  version: 3n,
  mode: TenantMode.ENFORCE,
  failMode: FailMode.CLOSED,
  retainArguments: true,
  policy: { version: 7n, format: PolicyFormat.YAML, content: enc(POLICY) },
  agents: [{ agentId: 'crm-agent', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(TOKEN).digest('hex')] }],
});
const { signed } = signSnapshot(config, controlPlane);
write('signed-snapshot.previous.bin', toBinary(SignedSnapshotSchema, signed));
write('snapshot-key.previous.pub', `${publicKeyBase64(controlPlane)}\n`);

const now = 1_764_000_000_000;
const store = new ActiveSnapshots();
const activation = activate(store, signed, keyring([verifierFromPublicKey(controlPlane.publicKey)]), now);
if (!activation.ok) throw new Error(activation.message);
const log = new InProcessDecisionLog({ capacity: 100 });
const events: DecisionEvent[] = [];
log.subscribe((batch) => void events.push(...batch));
const receiptSigner = signerFromSeed(generateSigningKey());
const service = new DecisionService({
  enforcerId: 'enforcer-previous',
  store,
  state: new WindowState({ maxKeys: 100 }),
  signer: receiptSigner,
  decisionLog: log,
  metrics: new EnforcerMetrics({ store, decisionLog: log, sinceContactMs: () => undefined, ready: () => true }),
  maxArgumentsBytes: 1_024,
  clock: () => now,
});
const requests = [
  create(DecideRequestSchema, { requestId: 'req-previous-1', tenantId: TENANT, agentId: 'crm-agent', tool: 'db.drop_table', argumentsJson: enc('{"table":"contacts"}'), resource: 'db://crm' }),
  create(DecideRequestSchema, { requestId: 'req-previous-2', tenantId: TENANT, agentId: 'crm-agent', tool: 'crm.read_contact', argumentsJson: enc('{"id":42}'), resource: 'crm://contacts' }),
];
const answers = await Promise.all(requests.map((r) => service.decide(r, TOKEN)));
await new Promise((r) => setTimeout(r, 50));
if (events.length !== 2) throw new Error(`expected 2 events, got ${events.length}`);
write('decide-request.previous.bin', toBinary(DecideRequestSchema, requests[1]!));
write('decide-response.previous.bin', toBinary(DecideResponseSchema, answers[1]!.response));
write('receipt-key.previous.pub', `${publicKeyBase64(receiptSigner)}\n`);
const encodeEvent = messageEncoder(DecisionEventSchema);
const published = events.map((e) => encodeEvent(e));
published.forEach((bytes, i) => write(`decision-event.previous-${i}.bin`, bytes));

const tree = new MemoryTreeStore();
for (const bytes of published) tree.appendEntry(bytes);
const signerKey = parseSignerKey(generateSignerKey('thoth.dev/ledger'));
if (!signerKey.ok) throw new Error(signerKey.reason);
const size = tree.size;
const note = signCheckpoint({ origin: tenantOrigin('thoth.dev/ledger', TENANT), size, rootHash: rootAt(tree, size) }, [signerKey.value]);
const verifierKey = verifierFromSigner(signerKey.value);
write('checkpoint.previous.txt', note);
write('checkpoint-key.previous.vkey', `${verifierKey}\n`);
const index = 1;
const event = fromBinary(DecisionEventSchema, published[index]!);
const bundle = {
  version: EVIDENCE_BUNDLE_VERSION,
  tenantId: TENANT,
  decisionId: event.decisionId,
  entry: toJson(DecisionEventSchema, event) as Record<string, unknown>,
  leaf: { index, entry: encodeBase64(published[index]!), hash: encodeBase64(leafHash(published[index]!)) },
  inclusionProof: { treeSize: size, hashes: inclusionProof(tree, index, size).map(encodeBase64) },
  checkpoint: note,
  verifierKey,
};
write('evidence-bundle.previous.json', `${JSON.stringify(bundle, null, 2)}\n`);
console.log({ decisions: events.map((e) => [e.decisionId, e.effect, e.receipt?.receiptVersion]), snapshotKey: controlPlane.keyId, receiptKey: receiptSigner.keyId, size });
