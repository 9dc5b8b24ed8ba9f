import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { Echo, EchoRequestSchema, EchoResponseSchema } from '@thoth/contracts/testing';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addService, createClient, GrpcError, GrpcServer, type ServiceHandlers } from './index.js';

// What adapter.test.ts does not reach through the grpc-js client: the HTTP/2 edges of
// GrpcServer, compression, write coalescing and shutdown. (The calls themselves run in
// adapter.test.ts against GrpcServer and grpc-js's Server alike.)

let release: (() => void) | undefined;
const releaseWaiting = () => release?.();
const handlerSaw: unknown[] = [];
const handlers: ServiceHandlers<typeof Echo> = {
  async unary(request, { signal }) {
    if (request.message === 'wait') {
      await new Promise<void>((resolve) => {
        release = resolve;
        signal.addEventListener('abort', () => {
          handlerSaw.push(signal.reason);
          resolve();
        });
      });
    }
    return { message: `${request.message}:${request.payload.length}` };
  },
  async *serverStream(request) {
    // All at once, in one turn of the event loop.
    for (let index = 0; index < request.count; index++) yield { message: request.message, index };
  },
  async clientStream() {
    return {};
  },
  async *bidi(requests) {
    for await (const request of requests) yield { message: request.message };
  },
};

let server: GrpcServer;
let port: number;
let session: ClientHttp2Session;

beforeAll(async () => {
  server = new GrpcServer({ maxReceiveMessageLength: 64 * 1024 });
  addService(server, Echo, handlers);
  port = await server.listen('127.0.0.1', 0);
  session = connect(`http://127.0.0.1:${port}`);
});

afterAll(async () => {
  session.close();
  await server.tryShutdown();
});

const frame = (bytes: Uint8Array, compressed = false) => {
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
};

/** One raw HTTP/2 request: its response headers, trailers, DATA chunks and body. */
function raw(path: string, headers: Record<string, string>, body: Buffer): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders | undefined; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, te: 'trailers', ...headers });
    let responseHeaders: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    req.on('response', (h) => (responseHeaders = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('close', () => resolve({ headers: responseHeaders, trailers, chunks }));
    req.on('error', reject);
    req.end(body);
  });
}

const echoRequest = (message: string, extra: { count?: number } = {}) => toBinary(EchoRequestSchema, create(EchoRequestSchema, { message, ...extra }));

describe('GrpcServer', () => {
  it('answers a request that is not gRPC with HTTP 415, and an unknown method with UNIMPLEMENTED', async () => {
    const notGrpc = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/json' }, Buffer.from('{}'));
    expect(notGrpc.headers[':status']).toBe(415);
    const unknown = await raw('/thoth.testing.v1.Echo/Nope', { 'content-type': 'application/grpc' }, frame(echoRequest('x')));
    expect(unknown.headers['grpc-status']).toBe(String(grpc.status.UNIMPLEMENTED));
    expect(decodeURI(String(unknown.headers['grpc-message']))).toBe('The server does not implement the method /thoth.testing.v1.Echo/Nope');
  });

  it('refuses a malformed message (INTERNAL), a bad grpc-timeout (INTERNAL) and a unary call without its message (UNIMPLEMENTED)', async () => {
    const garbage = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/grpc' }, frame(new Uint8Array([0x0a, 0x05, 0x61])));
    expect(garbage.headers['grpc-status']).toBe(String(grpc.status.INTERNAL));
    const badTimeout = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/grpc', 'grpc-timeout': 'soon' }, frame(echoRequest('x')));
    expect(badTimeout.headers['grpc-status']).toBe(String(grpc.status.INTERNAL));
    const none = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/grpc' }, Buffer.alloc(0));
    expect(none.headers['grpc-status']).toBe(String(grpc.status.UNIMPLEMENTED));
  });

  it('inflates gzip and deflate messages, and refuses an encoding it does not know', async () => {
    const payload = new Uint8Array(5000).fill(7);
    const body = toBinary(EchoRequestSchema, create(EchoRequestSchema, { message: 'zipped', payload }));
    const zipped = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' }, frame(gzipSync(body), true));
    expect(zipped.trailers?.['grpc-status']).toBe('0');
    expect(fromBinary(EchoResponseSchema, new Uint8Array(Buffer.concat(zipped.chunks).subarray(5))).message).toBe('zipped:5000');
    const unknown = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/grpc', 'grpc-encoding': 'snappy' }, frame(body, true));
    expect(unknown.headers['grpc-status']).toBe(String(grpc.status.UNIMPLEMENTED));
    // A grpc-js client that compresses every message is understood.
    const channel = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
    try {
      expect((await createClient(Echo, channel).unary({ message: 'via grpc-js', payload })).message).toBe('via grpc-js:5000');
    } finally {
      channel.close();
    }
  });

  it('writes the responses a handler yields in one turn together, not one write each', async () => {
    const { chunks, trailers } = await raw('/thoth.testing.v1.Echo/ServerStream', { 'content-type': 'application/grpc' }, frame(echoRequest('m', { count: 200 })));
    expect(trailers?.['grpc-status']).toBe('0');
    const body = Buffer.concat(chunks);
    let messages = 0;
    for (let at = 0; at < body.length; at += 5 + body.readUInt32BE(at + 1)) messages++;
    expect(messages).toBe(200);
    expect(chunks.length).toBeLessThan(10);
  });

  it('bounds a connection: the stream limit and header list size are advertised, a header list over the size refused', async () => {
    if (!session.remoteSettings.maxConcurrentStreams) await new Promise((resolve) => session.once('remoteSettings', resolve));
    expect(session.remoteSettings).toMatchObject({ maxConcurrentStreams: 256, maxHeaderListSize: 16 * 1024 });
    const oversized = await raw('/thoth.testing.v1.Echo/Unary', { 'content-type': 'application/grpc', 'x-padding': 'x'.repeat(20 * 1024) }, frame(echoRequest('hi'))).catch(
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(oversized).toBe('ERR_HTTP2_STREAM_ERROR');
  });

  it('tryShutdown lets a call in progress finish; forceShutdown cancels it', async () => {
    const graceful = new GrpcServer();
    addService(graceful, Echo, handlers);
    const channel = new grpc.Client(`127.0.0.1:${await graceful.listen('127.0.0.1', 0)}`, grpc.credentials.createInsecure());
    const echo = createClient(Echo, channel);
    try {
      release = undefined;
      const call = echo.unary({ message: 'wait' });
      while (release === undefined) await new Promise((r) => setTimeout(r, 5));
      let stopped = false;
      const stopping = graceful.tryShutdown().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(stopped).toBe(false);
      releaseWaiting();
      expect((await call).message).toBe('wait:0');
      await stopping;
    } finally {
      channel.close();
    }

    const forced = new GrpcServer();
    addService(forced, Echo, handlers);
    const channel2 = new grpc.Client(`127.0.0.1:${await forced.listen('127.0.0.1', 0)}`, grpc.credentials.createInsecure());
    try {
      release = undefined;
      handlerSaw.length = 0;
      const call = createClient(Echo, channel2).unary({ message: 'wait' });
      while (release === undefined) await new Promise((r) => setTimeout(r, 5));
      forced.forceShutdown();
      const error = await call.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(GrpcError);
      expect((error as GrpcError).code).toBe('UNAVAILABLE');
      while (handlerSaw.length === 0) await new Promise((r) => setTimeout(r, 5));
      expect((handlerSaw[0] as GrpcError).code).toBe('CANCELLED');
    } finally {
      channel2.close();
    }
  });
});
