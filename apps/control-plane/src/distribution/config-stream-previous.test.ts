// An enforcer of the previous release (63aae65) keeps working against today's control plane during
// a rolling upgrade: the Hello and ACK it put on the wire (libs/contracts/testdata, recorded from
// its ConfigStreamClient talking to its own control plane) are decoded by today's schema and served
// by today's ConfigStreamServer. Its Hello announces no receipt key (the field came later), so
// nothing is recorded for it: its decisions stay unbelieved (receipt.unknown_key, wire-golden).
import { create, fromBinary } from '@bufbuild/protobuf';
import { Client, Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { ConfigDistribution, PolicyFormat, SubscribeRequestSchema, type SubscribeResponse } from '@thoth/contracts';
import { createClient } from '@thoth/grpc';
import { generateSigningKey, signerFromSeed } from '@thoth/snapshot';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_STREAM_SERVER_OPTIONS, ConfigStreamServer } from './config-stream-server.js';
import { InMemoryEnforcerStatusSink, StaticEnforcerAuthenticator } from './in-memory-enforcer-status.js';
import { SnapshotCache } from './snapshot-cache.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const testdata = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../libs/contracts/testdata/${name}`, import.meta.url)));

describe('ConfigStreamServer with an enforcer of the previous release', () => {
  const cache = new SnapshotCache({ signer: signerFromSeed(generateSigningKey()) });
  const status = new InMemoryEnforcerStatusSink();
  const streams = new ConfigStreamServer({
    cache,
    status,
    authenticator: new StaticEnforcerAuthenticator({ 'enforcer-token-previous': { enforcerId: 'enforcer-previous', tenantIds: [TENANT] } }),
    heartbeatIntervalMs: 60_000,
  });
  const server = new Server(CONFIG_STREAM_SERVER_OPTIONS);
  let channel: Client;

  beforeAll(async () => {
    streams.register(server);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    channel = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    cache.setSnapshot(TENANT, { policy: { version: 1n, format: PolicyFormat.YAML, content: new TextEncoder().encode('apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: p, version: "1"}\ndefaults: {effect: allow}\n') } });
  });
  afterAll(() => {
    channel.close();
    server.forceShutdown();
  });

  it('decodes its Hello (no receipt key) and ACK as today’s schema reads them', () => {
    const hello = fromBinary(SubscribeRequestSchema, testdata('config-hello.previous.bin')).kind;
    expect(hello.case).toBe('hello');
    expect(hello.value).toMatchObject({ enforcerId: 'enforcer-previous', enforcerToken: 'enforcer-token-previous', tenantIds: [TENANT], heldVersions: [] });
    expect(hello.case === 'hello' && hello.value.receiptKey).toBeUndefined();
    const ack = fromBinary(SubscribeRequestSchema, testdata('config-ack.previous.bin')).kind;
    expect(ack.case).toBe('ack');
    expect(ack.value).toMatchObject({ tenantId: TENANT, version: 1n, nonce: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('serves it: its Hello gets the snapshot pushed, its ACK of that push is recorded, no receipt key is', async () => {
    const stream = createClient(ConfigDistribution, channel).subscribe();
    await stream.send(fromBinary(SubscribeRequestSchema, testdata('config-hello.previous.bin')));
    const responses = stream[Symbol.asyncIterator]();
    let push: SubscribeResponse['kind'] | undefined;
    while (push?.case !== 'snapshot') push = (await responses.next()).value.kind;
    expect(push.value).toMatchObject({ tenantId: TENANT, version: 1n });
    // Its ACK, with the nonce of this push (the recorded one answered its own control plane's).
    const ack = fromBinary(SubscribeRequestSchema, testdata('config-ack.previous.bin'));
    if (ack.kind.case !== 'ack') throw new Error('not an ack');
    await stream.send(create(SubscribeRequestSchema, { kind: { case: 'ack', value: { ...ack.kind.value, nonce: push.value.nonce } } }));
    await expect.poll(() => status.acks.map((a) => [a.enforcerId, a.tenantId, a.version])).toEqual([['enforcer-previous', TENANT, 1n]]);
    expect(status.receiptKeys).toEqual([]);
    stream.end();
  });
});
