import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { Echo, EchoRequestSchema, type EchoRequest } from '@thoth/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addService, createClient, GrpcError, GrpcServer, methodPath, serviceDefinition, type ServiceHandlers } from './index.js';

const MAX_REQUEST_BYTES = 1024;

/** What handlers saw, so tests can wait for the server side of a cancellation. */
const observed = {
  started: new Map<string, () => void>(),
  /** Resolves once the handler of call `id` is running. */
  expectStart(id: string): Promise<void> {
    return new Promise((resolve) => this.started.set(id, resolve));
  },
  start(id: string): void {
    this.started.get(id)?.();
  },
  cancelled: new Map<string, (reason: unknown) => void>(),
  /** Resolves with the reason the handler saw once the server side of call `id` is cancelled. */
  expectCancel(id: string): Promise<unknown> {
    return new Promise((resolve) => this.cancelled.set(id, resolve));
  },
  cancel(id: string, reason: unknown): void {
    this.cancelled.get(id)?.(reason);
  },
};

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

const handlers: ServiceHandlers<typeof Echo> = {
  async unary(request, { metadata, signal }) {
    switch (request.message) {
      case 'hang':
        observed.start('unary-hang');
        await untilAborted(signal);
        observed.cancel('unary-hang', signal.reason);
        throw signal.reason;
      case 'deny':
        throw new GrpcError('PERMISSION_DENIED', 'agent is suspended', {
          metadata: trailer('thoth-error-code', 'AGENT_SUSPENDED'),
        });
      case 'bug':
        throw new Error('secret internals');
      default:
        return { message: `${request.message}|${String(metadata.get('x-tenant')[0] ?? '')}`, index: 0 };
    }
  },
  async *serverStream(request, { signal }) {
    try {
      for (let index = 0; request.count === 0 || index < request.count; index++) {
        if (request.message === 'fail' && index === 2) throw new GrpcError('FAILED_PRECONDITION', 'stopped at 2');
        yield { message: request.message, index };
        // An endless stream paces itself so a cancelled client is noticed between messages.
        if (request.count === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      if (signal.aborted) observed.cancel(`server-stream:${request.message}`, signal.reason);
    }
  },
  async clientStream(requests) {
    const messages: string[] = [];
    for await (const request of requests) messages.push(request.message);
    return { message: messages.join(','), index: messages.length };
  },
  async *bidi(requests, { signal }) {
    let index = 0;
    try {
      for await (const request of requests) {
        if (request.message === 'fail') throw new GrpcError('INVALID_ARGUMENT', 'bad request in stream');
        yield { message: request.message.toUpperCase(), index: index++ };
      }
    } catch (error) {
      if (signal.aborted) observed.cancel('bidi', error);
      throw error;
    }
  },
};

function trailer(key: string, value: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(key, value);
  return metadata;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function rejection(promise: Promise<unknown>): Promise<GrpcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrpcError);
  return error as GrpcError;
}

const unexpected: unknown[] = [];

// The same handlers, served by grpc-js and by GrpcServer (node:http2), called by the grpc-js
// client: both servers must behave alike wherever a client can tell.
const SERVERS = [
  [
    'grpc-js Server',
    async () => {
      const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
      addService(server, Echo, handlers, { onUnexpectedError: (error) => unexpected.push(error) });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
      );
      return { port, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
    },
  ],
  [
    'GrpcServer (node:http2)',
    async () => {
      const server = new GrpcServer({ maxReceiveMessageLength: MAX_REQUEST_BYTES });
      addService(server, Echo, handlers, { onUnexpectedError: (error) => unexpected.push(error) });
      const port = await server.listen('127.0.0.1', 0);
      return { port, close: () => server.tryShutdown() };
    },
  ],
] as const;

describe('serviceDefinition', () => {
  it('maps each method to its path, stream flags and protobuf-es codecs', () => {
    const definition = serviceDefinition(Echo);
    expect(Object.keys(definition)).toEqual(['unary', 'serverStream', 'clientStream', 'bidi']);
    expect(methodPath(Echo.method.serverStream)).toBe('/thoth.testing.v1.Echo/ServerStream');
    expect(
      Object.values(definition).map((m) => [m.path, m.requestStream, m.responseStream]),
    ).toEqual([
      ['/thoth.testing.v1.Echo/Unary', false, false],
      ['/thoth.testing.v1.Echo/ServerStream', false, true],
      ['/thoth.testing.v1.Echo/ClientStream', true, false],
      ['/thoth.testing.v1.Echo/Bidi', true, true],
    ]);
    const request = create(EchoRequestSchema, { message: 'héllo', count: 3, payload: new Uint8Array([1, 2]) });
    const unary = definition['unary']!;
    const decoded = unary.requestDeserialize(unary.requestSerialize(request)) as EchoRequest;
    expect(decoded).toEqual(request);
  });
});

describe('typed client and handlers', () => {
  it('take their request and response types from the descriptor (checked by tsc)', () => {
    const misuse = (echo: ReturnType<typeof createClient<typeof Echo>>) => {
      // @ts-expect-error a unary call takes one request, not a stream of them
      void echo.unary([{ message: 'a' }]);
      // @ts-expect-error fields are typed
      void echo.unary({ message: 1 });
      // @ts-expect-error a bidi call takes only options; requests are sent on the stream
      void echo.bidi({ message: 'a' });
      const wrong: ServiceHandlers<typeof Echo> = {
        ...handlers,
        // @ts-expect-error a unary handler returns a response, not a stream
        async *unary() {
          yield { message: 'x' };
        },
      };
      return wrong;
    };
    expect(typeof misuse).toBe('function');
  });
});

describe.each(SERVERS)('over a real server: %s', (_, serve) => {
  let channel: grpc.Client;
  let echo: ReturnType<typeof createClient<typeof Echo>>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const served = await serve();
    close = served.close;
    channel = new grpc.Client(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure());
    echo = createClient(Echo, channel);
  });

  afterAll(async () => {
    channel.close();
    await close();
  });

  describe('calls', () => {
    it('unary: request and metadata in, message out', async () => {
      const response = await echo.unary({ message: 'ping' }, { metadata: trailer('x-tenant', 't-1') });
      expect(response.$typeName).toBe('thoth.testing.v1.EchoResponse');
      expect(response.message).toBe('ping|t-1');
    });

    it('server streaming: an async iterable of messages, ended by the server', async () => {
      const responses = await collect(echo.serverStream({ message: 'tick', count: 100 }));
      expect(responses.map((r) => r.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });

    it('server streaming: messages before a handler error arrive, then the typed error', async () => {
      const received: number[] = [];
      const error = await rejection(
        (async () => {
          for await (const response of echo.serverStream({ message: 'fail', count: 10 })) received.push(response.index);
        })(),
      );
      expect(received).toEqual([0, 1]);
      expect(error.code).toBe('FAILED_PRECONDITION');
      expect(error.details).toBe('stopped at 2');
    });

    it('client streaming: every request from an async iterable, one response', async () => {
      async function* requests() {
        for (const message of ['a', 'b', 'c']) yield { message };
      }
      const response = await echo.clientStream(requests());
      expect(response).toMatchObject({ message: 'a,b,c', index: 3 });
      expect((await echo.clientStream([])).index).toBe(0);
    });

    it('bidi: responses interleave with sends, and end after end()', async () => {
      const stream = echo.bidi();
      const responses = stream[Symbol.asyncIterator]();
      await stream.send({ message: 'one' });
      expect((await responses.next()).value).toMatchObject({ message: 'ONE', index: 0 });
      await stream.send({ message: 'two' });
      expect((await responses.next()).value).toMatchObject({ message: 'TWO', index: 1 });
      stream.end();
      expect((await responses.next()).done).toBe(true);
      await expect(stream.send({ message: 'late' })).rejects.toThrow('send() after end()');
    });

    it('bidi: many concurrent sends past a full buffer all arrive, sharing one drain wait', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const stream = echo.bidi();
        const count = 200;
        const sends = Array.from({ length: count }, (_, i) => stream.send({ message: `m${i}` }));
        const received: string[] = [];
        const reading = (async () => {
          for await (const response of stream) received.push(response.message);
        })();
        await Promise.all(sends);
        stream.end();
        await reading;
        expect(received).toEqual(Array.from({ length: count }, (_, i) => `M${i}`));
        // Let a warning emitted during the sends reach the listener.
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('bidi: a handler error ends the stream with its status', async () => {
      const stream = echo.bidi();
      await stream.send({ message: 'ok' });
      await stream.send({ message: 'fail' });
      const received: string[] = [];
      const error = await rejection(
        (async () => {
          for await (const response of stream) received.push(response.message);
        })(),
      );
      expect(received).toEqual(['OK']);
      expect(error.code).toBe('INVALID_ARGUMENT');
    });
  });

  describe('failures as typed errors', () => {
    it('a GrpcError thrown by a handler reaches the client with code, status, details and trailers', async () => {
      const error = await rejection(echo.unary({ message: 'deny' }));
      expect(error.code).toBe('PERMISSION_DENIED');
      expect(error.status).toBe(grpc.status.PERMISSION_DENIED);
      expect(error.details).toBe('agent is suspended');
      expect(error.metadata.get('thoth-error-code')).toEqual(['AGENT_SUSPENDED']);
    });

    it('any other handler error is INTERNAL, without its message, and reported to the server', async () => {
      const error = await rejection(echo.unary({ message: 'bug' }));
      expect(error.code).toBe('INTERNAL');
      expect(error.details).not.toContain('secret');
      expect(unexpected).toContainEqual(new Error('secret internals'));
    });

    it('an expired deadline fails the call with DEADLINE_EXCEEDED and cancels the handler', async () => {
      const serverSaw = observed.expectCancel('unary-hang');
      const error = await rejection(echo.unary({ message: 'hang' }, { deadlineMs: 100 }));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
      const reason = await serverSaw;
      expect(reason).toBeInstanceOf(GrpcError);
      expect((reason as GrpcError).code).toBe('CANCELLED');
    });

    it('aborting a unary call fails it with CANCELLED', async () => {
      const started = observed.expectStart('unary-hang');
      const serverSaw = observed.expectCancel('unary-hang');
      const controller = new AbortController();
      const call = echo.unary({ message: 'hang' }, { signal: controller.signal });
      await started; // so the server has a running call to cancel
      controller.abort();
      expect((await rejection(call)).code).toBe('CANCELLED');
      await serverSaw;
    });

    it('a signal aborted before the call starts fails it with CANCELLED', async () => {
      const error = await rejection(echo.unary({ message: 'never sent' }, { signal: AbortSignal.abort() }));
      expect(error.code).toBe('CANCELLED');
    });

    it('client streaming: a failing request source cancels the call and rejects with its error', async () => {
      async function* requests() {
        yield { message: 'a' };
        throw new Error('source broke');
      }
      await expect(echo.clientStream(requests())).rejects.toThrow('source broke');
    });

    it('a stream cancelled mid-way: the client gets CANCELLED, the handler observes it', async () => {
      const serverSaw = observed.expectCancel('server-stream:endless');
      const controller = new AbortController();
      const received: number[] = [];
      const error = await rejection(
        (async () => {
          for await (const response of echo.serverStream({ message: 'endless', count: 0 }, { signal: controller.signal })) {
            received.push(response.index);
            if (received.length === 3) controller.abort();
          }
        })(),
      );
      expect(error.code).toBe('CANCELLED');
      expect(received.slice(0, 3)).toEqual([0, 1, 2]);
      await serverSaw;
    });

    it('leaving a stream early cancels it on the server', async () => {
      const serverSaw = observed.expectCancel('server-stream:early');
      for await (const response of echo.serverStream({ message: 'early', count: 0 })) {
        if (response.index === 1) break;
      }
      await serverSaw;
    });

    it('cancel() on a bidi stream: the client gets CANCELLED, the handler observes it', async () => {
      const serverSaw = observed.expectCancel('bidi');
      const stream = echo.bidi();
      const responses = stream[Symbol.asyncIterator]();
      await stream.send({ message: 'first' });
      expect((await responses.next()).value?.message).toBe('FIRST');
      stream.cancel();
      const error = await rejection(responses.next());
      expect(error.code).toBe('CANCELLED');
      const seen = await serverSaw;
      expect((seen as GrpcError).code).toBe('CANCELLED');
    });

    it('a request over grpc.max_receive_message_length is refused with RESOURCE_EXHAUSTED', async () => {
      const payload = new Uint8Array(MAX_REQUEST_BYTES * 4);
      const error = await rejection(echo.unary({ message: 'big', payload }));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
      // The same request under the limit goes through.
      expect((await echo.unary({ message: 'small', payload: payload.subarray(0, 100) })).message).toBe('small|');
    });
  });
});
