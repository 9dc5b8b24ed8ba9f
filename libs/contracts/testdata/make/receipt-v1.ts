// Writes decision-event.receipt-v1.bin and receipt-key.receipt-v1.pub with the code of 6e56d9b, the
// only code that wrote version 1 receipts (one Ed25519 signature per receipt; 9e837ad replaced them
// by batch-signed version 2). Run from a worktree of that commit, never against today's code:
//   git worktree add --detach /tmp/old-v1 6e56d9b && cd /tmp/old-v1 && pnpm install --frozen-lockfile --offline
//   cp <this file> apps/enforcer/src/ && pnpm exec tsx apps/enforcer/src/receipt-v1.ts <testdata dir>
// A control plane signs a snapshot, the enforcer activates it and denies one call.
import { create, toBinary } from '@bufbuild/protobuf';
import { AgentStatus, DecideRequestSchema, DecisionEventSchema, EnforcerConfigSchema, FailMode, PolicyFormat, TenantMode, type DecisionEvent } from '@thoth/contracts';
import { WindowState } from '@thoth/policy';
import { generateSigningKey, keyring, publicKeyBase64, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecisionService } from './decide/decision-service.js';
import { InProcessDecisionLog } from './emit/in-process-decision-log.js';
import { activate } from './sync/activate.js';
import { ActiveSnapshots } from './sync/active-snapshots.js';

const out = process.argv[2]!;
const enc = (s: string) => new TextEncoder().encode(s);
const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const TOKEN = 'thoth_at_receipt_v1';
const POLICY = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: receipt-v1, version: "7"}
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
  version: 2n,
  mode: TenantMode.ENFORCE,
  failMode: FailMode.CLOSED,
  policy: { version: 7n, format: PolicyFormat.YAML, content: enc(POLICY) },
  agents: [{ agentId: 'crm-agent', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(TOKEN).digest('hex')] }],
});
const now = 1_763_900_000_000;
const store = new ActiveSnapshots();
const activation = activate(store, signSnapshot(config, controlPlane).signed, keyring([verifierFromPublicKey(controlPlane.publicKey)]), now);
if (!activation.ok) throw new Error(activation.message);
const log = new InProcessDecisionLog({ capacity: 10 });
const events: DecisionEvent[] = [];
log.subscribe((batch) => void events.push(...batch));
const receiptSigner = signerFromSeed(generateSigningKey());
const service = new DecisionService({ enforcerId: 'enforcer-receipt-v1', store, state: new WindowState({ maxKeys: 10 }), signer: receiptSigner, decisionLog: log, maxArgumentsBytes: 1_024, clock: () => now });
service.decide(create(DecideRequestSchema, { requestId: 'req-receipt-v1', tenantId: TENANT, agentId: 'crm-agent', tool: 'db.drop_table', argumentsJson: enc('{"table":"contacts"}'), resource: 'db://crm' }), TOKEN);
await new Promise((r) => setTimeout(r, 50));
if (events.length !== 1) throw new Error(`expected 1 event, got ${events.length}`);
writeFileSync(join(out, 'decision-event.receipt-v1.bin'), toBinary(DecisionEventSchema, events[0]!));
writeFileSync(join(out, 'receipt-key.receipt-v1.pub'), `${publicKeyBase64(receiptSigner)}\n`);
console.log({ decision: events[0]!.decisionId, effect: events[0]!.effect, receipt: events[0]!.receipt, key: receiptSigner.keyId });
