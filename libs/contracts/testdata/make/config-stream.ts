// Writes config-*.previous.* with the code of the previous release, 63aae65: its control plane's
// ConfigStreamServer (SnapshotCache signing) and its enforcer's ConfigStreamClient talk over a real
// gRPC connection, and the bytes each side put on the wire are recorded as they were serialized
// (the server's serializer and deserializer wrapped): the enforcer's Hello and ACK, the control
// plane's SnapshotPush. Run from a worktree of that commit, never against today's code:
//   git worktree add --detach /tmp/old-rel 63aae65 && cd /tmp/old-rel && pnpm install --frozen-lockfile --offline
//   cp <this file> apps/control-plane/src/distribution/ && pnpm exec tsx apps/control-plane/src/distribution/config-stream.ts <testdata dir>
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AgentStatus, PolicyFormat, SubscribeRequestSchema, SubscribeResponseSchema, TenantMode } from '@thoth/contracts';
import { fromBinary } from '@bufbuild/protobuf';
import { generateSigningKey, keyring, publicKeyBase64, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigStreamClient } from '../../../enforcer/src/sync/config-stream-client.js';
import { ActiveSnapshots } from '../../../enforcer/src/sync/active-snapshots.js';
import { ConfigStreamServer } from './config-stream-server.js';
import { InMemoryEnforcerStatusSink, StaticEnforcerAuthenticator } from './enforcer-status.js';
import { SnapshotCache } from './snapshot-cache.js';

const out = process.argv[2]!;
const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const requests: Buffer[] = [];
const responses: Buffer[] = [];
type Register = (name: string, handler: unknown, serialize: (v: unknown) => Buffer, deserialize: (b: Buffer) => unknown, type: string) => boolean;
const register = (Server.prototype as unknown as { register: Register }).register;
(Server.prototype as unknown as { register: Register }).register = function (this: Server, name, handler, serialize, deserialize, type) {
  const recordOut = (v: unknown) => {
    const bytes = serialize(v);
    responses.push(Buffer.from(bytes));
    return bytes;
  };
  const recordIn = (b: Buffer) => {
    requests.push(Buffer.from(b));
    return deserialize(b);
  };
  return register.call(this, name, handler, recordOut, recordIn, type);
};

const signer = signerFromSeed(generateSigningKey());
const cache = new SnapshotCache({ signer });
cache.setSnapshot(TENANT, {
  mode: TenantMode.ENFORCE,
  policy: { version: 7n, format: PolicyFormat.YAML, content: new TextEncoder().encode('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: p, version: "7"}\ndefaults: {effect: allow}\n') },
  agents: [{ agentId: 'crm-agent', status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update('thoth_at_previous_release').digest('hex')] }],
});
const server = new Server();
new ConfigStreamServer({ cache, status: new InMemoryEnforcerStatusSink(), authenticator: new StaticEnforcerAuthenticator({ 'enforcer-token-previous': { enforcerId: 'enforcer-previous', tenantIds: [TENANT] } }), heartbeatIntervalMs: 60_000 }).register(server);
const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
const store = new ActiveSnapshots();
const client = new ConfigStreamClient({ address: `127.0.0.1:${port}`, token: 'enforcer-token-previous', enforcerId: 'enforcer-previous', tenantIds: [TENANT], trustedKeys: keyring([verifierFromPublicKey(signer.publicKey)]), store, heartbeatIntervalMs: 60_000 });
client.start();
for (let i = 0; i < 100 && requests.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
await client.stop();
server.forceShutdown();
const kinds = requests.map((b) => fromBinary(SubscribeRequestSchema, b).kind.case);
const pushes = responses.filter((b) => fromBinary(SubscribeResponseSchema, b).kind.case === 'snapshot');
if (kinds[0] !== 'hello' || kinds[1] !== 'ack' || pushes.length !== 1) throw new Error(`unexpected exchange: ${kinds.join(',')} / ${pushes.length} push(es)`);
writeFileSync(join(out, 'config-hello.previous.bin'), requests[0]!);
writeFileSync(join(out, 'config-ack.previous.bin'), requests[1]!);
writeFileSync(join(out, 'config-push.previous.bin'), pushes[0]!);
writeFileSync(join(out, 'config-push-key.previous.pub'), `${publicKeyBase64(signer)}\n`);
console.log({ kinds, key: signer.keyId, push: fromBinary(SubscribeResponseSchema, pushes[0]!).kind.value });
