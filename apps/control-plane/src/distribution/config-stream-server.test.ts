// The stream server against raw clients (libs/grpc), so its protocol is pinned without an
// enforcer: auth, pushes with fresh nonces, ACK/NACK matching, latest-wins for a client
// that does not read.
import { create, toBinary } from '@bufbuild/protobuf';
import { Client, Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { connect } from 'node:http2';
import { ConfigDistribution, PolicyFormat, SubscribeRequestSchema, type Heartbeat, type SnapshotPush, type SubscribeResponse } from '@thoth/contracts';
import { createClient, type GrpcError } from '@thoth/grpc';
import { announceReceiptKey, CONTROL_PLANE_INSTANCE, generateSigningKey, signerFromSeed } from '@thoth/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_STREAM_SERVER_OPTIONS, ConfigStreamServer } from './config-stream-server.js';
import { InMemoryEnforcerStatusSink, StaticEnforcerAuthenticator } from './in-memory-enforcer-status.js';
import { SnapshotCache } from './snapshot-cache.js';

const policy = (n: number) => ({
  version: BigInt(n),
  format: PolicyFormat.YAML,
  content: new TextEncoder().encode(`apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: {name: p, version: "${n}"}\ndefaults: {effect: allow}\n`),
});

describe('ConfigStreamServer', () => {
  const cache = new SnapshotCache({ signer: signerFromSeed(generateSigningKey()) });
  const status = new InMemoryEnforcerStatusSink();
  const streams = new ConfigStreamServer({
    cache,
    status,
    authenticator: new StaticEnforcerAuthenticator({ tok: { enforcerId: 'e1', tenantIds: ['t1', 't2'] }, retired: { enforcerId: 'e2', tenantIds: ['t1'] } }),
    heartbeatIntervalMs: 100,
  });
  const server = new Server(CONFIG_STREAM_SERVER_OPTIONS);
  let channel: Client;
  let port: number;
  let client: ReturnType<typeof createClient<typeof ConfigDistribution>>;

  beforeAll(async () => {
    streams.register(server);
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    channel = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    client = createClient(ConfigDistribution, channel);
    cache.setSnapshot('t1', { policy: policy(1) });
  });
  afterAll(() => {
    channel.close();
    server.forceShutdown();
  });

  async function next(it: AsyncIterator<SubscribeResponse>, kind: 'snapshot'): Promise<SnapshotPush>;
  async function next(it: AsyncIterator<SubscribeResponse>, kind: 'heartbeat'): Promise<Heartbeat>;
  async function next(it: AsyncIterator<SubscribeResponse>, kind: 'snapshot' | 'heartbeat'): Promise<SnapshotPush | Heartbeat> {
    for (;;) {
      const r = await it.next();
      if (r.done) throw new Error('stream ended');
      if (r.value.kind.case === kind) return r.value.kind.value;
    }
  }

  it('refuses a bad token and a tenant the token does not allow', async () => {
    const cases: [{ enforcerToken: string; tenantIds?: string[] }, string][] = [
      [{ enforcerToken: 'nope' }, 'UNAUTHENTICATED'],
      [{ enforcerToken: 'tok', tenantIds: ['t9'] }, 'PERMISSION_DENIED'],
    ];
    for (const [hello, code] of cases) {
      const stream = client.subscribe();
      await stream.send({ kind: { case: 'hello', value: { enforcerId: 'x', ...hello } } });
      const error = await stream[Symbol.asyncIterator]().next().then(() => undefined, (e: unknown) => e);
      expect((error as GrpcError).code).toBe(code);
    }
  });

  it("refuses the control plane's own process name: no enforcer may sign decisions as the control plane", async () => {
    const stream = client.subscribe();
    await stream.send({ kind: { case: 'hello', value: { enforcerId: CONTROL_PLANE_INSTANCE, enforcerToken: 'tok', tenantIds: ['t1'] } } });
    const error = await stream[Symbol.asyncIterator]().next().then(() => undefined, (e: unknown) => e);
    expect((error as GrpcError).code).toBe('INVALID_ARGUMENT');
    expect((error as GrpcError).message).toContain(`enforcer_id ${CONTROL_PLANE_INSTANCE} is reserved for the control plane`);
  });

  it('takes the receipt key a Hello announces with its proof, and refuses the stream of one proved for another token or process', async () => {
    const key = signerFromSeed(generateSigningKey());
    const refused = [announceReceiptKey(key, 'retired', 'pod-r'), announceReceiptKey(key, 'tok', 'other-pod'), { ...announceReceiptKey(key, 'tok', 'pod-r'), publicKey: signerFromSeed(generateSigningKey()).publicKey }];
    for (const receiptKey of refused) {
      const stream = client.subscribe();
      await stream.send({ kind: { case: 'hello', value: { enforcerId: 'pod-r', enforcerToken: 'tok', tenantIds: ['t1'], receiptKey } } });
      const error = await stream[Symbol.asyncIterator]().next().then(() => undefined, (e: unknown) => e);
      expect((error as GrpcError).code).toBe('INVALID_ARGUMENT');
    }
    expect(status.receiptKeys.filter((k) => k.instanceId === 'pod-r')).toEqual([]);
    const stream = client.subscribe();
    const it = stream[Symbol.asyncIterator]();
    await stream.send({ kind: { case: 'hello', value: { enforcerId: 'pod-r', enforcerToken: 'tok', tenantIds: ['t1'], receiptKey: announceReceiptKey(key, 'tok', 'pod-r') } } });
    await next(it, 'snapshot');
    expect(status.receiptKeys.filter((k) => k.instanceId === 'pod-r')).toEqual([{ enforcerId: 'e1', instanceId: 'pod-r', keyId: key.keyId }]);
    stream.cancel();
  });

  it('a decommissioned registration: its open streams end at once with UNAUTHENTICATED, a new Hello is refused, others stream on', async () => {
    const open = async (token: string, instance: string) => {
      const stream = client.subscribe();
      const it = stream[Symbol.asyncIterator]();
      await stream.send({ kind: { case: 'hello', value: { enforcerId: instance, enforcerToken: token, tenantIds: ['t1'] } } });
      await next(it, 'snapshot');
      return it;
    };
    const [first, second, other] = [await open('retired', 'old-1'), await open('retired', 'old-2'), await open('tok', 'live')];
    streams.decommissioned('e2');
    for (const it of [first, second]) {
      const error = (await next(it, 'heartbeat').then(() => undefined, (e: unknown) => e)) as GrpcError;
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', details: 'enforcer e2 was decommissioned' });
    }
    // The token still authenticates here (the registration's row is another replica's news): refused all the same.
    const again = client.subscribe();
    await again.send({ kind: { case: 'hello', value: { enforcerId: 'old-3', enforcerToken: 'retired' } } });
    expect(((await again[Symbol.asyncIterator]().next().then(() => undefined, (e: unknown) => e)) as GrpcError).code).toBe('UNAUTHENTICATED');
    await next(other, 'heartbeat');
  });

  it('a connection holding more streams than an enforcer needs has the extra ones refused, before any token is checked', async () => {
    const limit = CONFIG_STREAM_SERVER_OPTIONS['grpc.max_concurrent_streams'] as number;
    // A client that ignores the server's SETTINGS: every stream leaves before they are read.
    const session = connect(`http://127.0.0.1:${port}`, { peerMaxConcurrentStreams: 1000 });
    const hello = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { kind: { case: 'hello', value: { enforcerId: 'x', enforcerToken: 'tok', tenantIds: ['t1'] } } }));
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, hello.length]), hello]);
    try {
      const outcomes = await Promise.all(
        Array.from(
          { length: limit + 4 },
          () =>
            new Promise<string>((resolve) => {
              const stream = session.request({ ':method': 'POST', ':path': '/thoth.config.v1.ConfigDistribution/Subscribe', 'content-type': 'application/grpc', te: 'trailers' });
              stream.on('data', () => resolve('served'));
              stream.on('error', (error: NodeJS.ErrnoException) => resolve(`refused ${error.code ?? ''}`));
              stream.on('close', () => resolve(`closed ${stream.rstCode}`));
              stream.write(framed);
            }),
        ),
      );
      expect(outcomes.filter((o) => o === 'served')).toHaveLength(limit);
      expect(outcomes.filter((o) => o.startsWith('refused'))).toHaveLength(4);
    } finally {
      session.destroy();
    }
  });

  it('pushes each version with a fresh nonce, records the ACK, and ignores stale nonces', async () => {
    const stream = client.subscribe();
    const it = stream[Symbol.asyncIterator]();
    await stream.send({ kind: { case: 'hello', value: { enforcerId: 'inst-1', enforcerToken: 'tok', tenantIds: ['t1'] } } });
    const first = await next(it, 'snapshot');
    expect(first).toMatchObject({ tenantId: 't1', version: 1n, baseVersion: 0n });
    await stream.send({ kind: { case: 'ack', value: { tenantId: 't1', version: 1n, nonce: 'stale' } } });
    await stream.send({ kind: { case: 'ack', value: { tenantId: 't1', version: 1n, nonce: first.nonce } } });
    cache.setSnapshot('t1', { policy: policy(2) });
    const second = await next(it, 'snapshot');
    expect(second.version).toBe(2n);
    expect(second.nonce).not.toBe(first.nonce);
    await stream.send({ kind: { case: 'nack', value: { tenantId: 't1', version: 2n, nonce: second.nonce, errorCode: 'POLICY_INVALID', errorMessage: 'x' } } });
    for (let i = 0; i < 100 && !status.status('inst-1', 't1')?.lastNack; i++) await new Promise((r) => setTimeout(r, 10));
    expect(status.acks.map((a) => [a.instanceId, a.version])).toEqual([['inst-1', 1n]]);
    expect(status.status('inst-1', 't1')).toMatchObject({ activeVersion: 1n, lastNack: { version: 2n, errorCode: 'POLICY_INVALID' } });
    stream.cancel();
  });

  it('sends nothing for a version the enforcer already holds', async () => {
    const stream = client.subscribe();
    const it = stream[Symbol.asyncIterator]();
    const held = cache.get('t1')!;
    await stream.send({ kind: { case: 'hello', value: { enforcerId: 'inst-2', enforcerToken: 'tok', tenantIds: ['t1'], heldVersions: [{ tenantId: 't1', version: held.version, contentHash: held.contentHash }] } } });
    await next(it, 'heartbeat');
    await next(it, 'heartbeat');
    expect(streams.stats().streams).toBeGreaterThan(0);
    cache.setSnapshot('t1', { policy: policy(3) });
    expect((await next(it, 'snapshot')).version).toBe(3n);
    stream.cancel();
  });

  it('a client that does not read gets only the latest version when it does (no queue per publish)', async () => {
    const stream = client.subscribe();
    await stream.send({ kind: { case: 'hello', value: { enforcerId: 'inst-3', enforcerToken: 'tok', tenantIds: ['t2'] } } });
    const pushesBefore = streams.stats().pushes;
    // 200 publishes while the client reads nothing: a pending slot per tenant, latest wins.
    for (let i = 0; i < 200; i++) cache.setSnapshot('t2', { policy: policy(100 + i) });
    const it = stream[Symbol.asyncIterator]();
    const got = await next(it, 'snapshot');
    expect(got.version).toBe(200n);
    expect(streams.stats().pushes - pushesBefore).toBe(1);
    stream.cancel();
  });
});
