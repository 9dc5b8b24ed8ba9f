import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext as ConnectContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Metadata, status as Status, type Deadline } from '@grpc/grpc-js';
import { GrpcError, Http2Listener, type AddServiceOptions, type GrpcCode, type GrpcServerOptions, type HandlerContext, type ServiceHandlers } from '@thoth/grpc';

/**
 * The enforcer benchmark's peer for GrpcServer (bench:enforcer --only rpc): the same handlers
 * as `addService` / GrpcServer take, served by `@connectrpc/connect-node` (the protobuf-es
 * project's RPC library) with only its gRPC protocol enabled, on `node:http2`. Measured at
 * 1.4–1.8× GrpcServer's CPU per streamed decision and 1.9–3.3× per unary decision at 1k/s, it
 * does not serve the enforcer (docs/enforcer-performance.md, "The gRPC server"). When it was measured it
 * passed libs/grpc's adapter tests (grpc-js client: deadlines, cancellation, status details
 * and trailers, RESOURCE_EXHAUSTED) like the other two servers. The adapter maps:
 *
 * - context: `metadata` (grpc-js Metadata, built on first read from the request headers),
 *   `signal` (aborted with a CANCELLED GrpcError when Connect's is), `deadline`;
 * - errors: a GrpcError thrown by a handler → a ConnectError with its code, details and
 *   trailing metadata; anything else → INTERNAL "internal error" (reported to
 *   `onUnexpectedError`); errors of the request stream (cancellation, RESOURCE_EXHAUSTED)
 *   reach the handler as GrpcErrors.
 *
 * `peer` is "unknown": Connect's handler context does not carry the socket.
 */
export class ConnectGrpcServer {
  readonly #services: ((router: ConnectRouter) => void)[] = [];
  readonly #listener: Http2Listener;
  readonly #maxReceive: number;

  constructor(options: GrpcServerOptions = {}) {
    this.#maxReceive = options.maxReceiveMessageLength ?? 4 * 1024 * 1024;
    this.#listener = new Http2Listener(options);
  }

  /** Serves `service` with `handlers` (the same handlers `addService` takes for grpc-js). */
  addService<S extends DescService>(service: S, handlers: ServiceHandlers<S>, options: AddServiceOptions = {}): void {
    const implementation: Record<string, unknown> = {};
    for (const method of service.methods) {
      const handler = (handlers as Record<string, unknown>)[method.localName];
      if (typeof handler !== 'function') throw new Error(`no handler for ${service.typeName}.${method.name}`);
      implementation[method.localName] = adapt(method, handler as AnyHandler, options.onUnexpectedError);
    }
    this.#services.push((router) => router.service(service, implementation as never));
  }

  /** Listens on `host:port` (port 0 picks one); resolves with the port. */
  listen(host: string, port: number): Promise<number> {
    const handler = connectNodeAdapter({
      grpc: true,
      grpcWeb: false,
      connect: false,
      readMaxBytes: this.#maxReceive,
      routes: (router) => {
        for (const register of this.#services) register(router);
      },
    });
    this.#listener.server.on('request', handler);
    return this.#listener.listen(host, port);
  }

  /** Stops taking connections and calls; resolves once the calls in progress have ended. */
  tryShutdown(): Promise<void> {
    return this.#listener.tryShutdown();
  }

  /** Ends every connection now; calls in progress are cancelled. */
  forceShutdown(): void {
    this.#listener.forceShutdown();
  }
}

type AnyHandler = (input: unknown, context: HandlerContext) => unknown;
type OnUnexpected = AddServiceOptions['onUnexpectedError'];

function adapt(method: DescMethod, handler: AnyHandler, onUnexpected: OnUnexpected): unknown {
  const fail = (error: unknown, context: ConnectContext): ConnectError => toConnectError(error, context, method, onUnexpected);
  switch (method.methodKind) {
    case 'unary':
      return async (request: unknown, connect: ConnectContext) => {
        try {
          return await handler(request, new CallContext(connect));
        } catch (error) {
          throw fail(error, connect);
        }
      };
    case 'client_streaming':
      return async (requests: AsyncIterable<unknown>, connect: ConnectContext) => {
        try {
          return await handler(requestsOf(requests, connect), new CallContext(connect));
        } catch (error) {
          throw fail(error, connect);
        }
      };
    case 'server_streaming':
      return (request: unknown, connect: ConnectContext) => responsesOf(() => handler(request, new CallContext(connect)) as AsyncIterable<unknown>, connect, fail);
    case 'bidi_streaming':
      return (requests: AsyncIterable<unknown>, connect: ConnectContext) =>
        responsesOf(() => handler(requestsOf(requests, connect), new CallContext(connect)) as AsyncIterable<unknown>, connect, fail);
  }
}

// Request headers grpc-js keeps out of the metadata a handler sees.
const NOT_METADATA = new Set(['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type']);

class CallContext implements HandlerContext {
  readonly #connect: ConnectContext;
  #metadata: Metadata | undefined;
  #controller: AbortController | undefined;

  constructor(connect: ConnectContext) {
    this.#connect = connect;
  }

  get metadata(): Metadata {
    if (this.#metadata === undefined) {
      const metadata = new Metadata();
      for (const [key, value] of this.#connect.requestHeader) {
        if (NOT_METADATA.has(key)) continue;
        if (key.endsWith('-bin')) for (const v of value.split(',')) metadata.add(key, Buffer.from(v.trim(), 'base64'));
        else metadata.add(key, value);
      }
      this.#metadata = metadata;
    }
    return this.#metadata;
  }

  /** Connect aborts its signal when the call ends, however it ends; the handler sees CANCELLED. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const connectSignal = this.#connect.signal;
      if (connectSignal.aborted) controller.abort(cancelledError());
      else connectSignal.addEventListener('abort', () => controller.abort(cancelledError()), { once: true });
    }
    return this.#controller.signal;
  }

  get deadline(): Deadline {
    const ms = this.#connect.timeoutMs();
    return ms === undefined ? Infinity : Date.now() + ms;
  }

  get peer(): string {
    return 'unknown';
  }
}

const cancelledError = () => new GrpcError('CANCELLED', 'call cancelled by the client or its deadline');

/** Connect's request messages, with its errors as the GrpcErrors a handler expects. */
function requestsOf(requests: AsyncIterable<unknown>, connect: ConnectContext): AsyncIterable<unknown> {
  const toGrpc = (error: unknown): never => {
    if (connect.signal.aborted) throw cancelledError();
    const e = ConnectError.from(error);
    throw e.code === Code.Canceled || e.code === Code.Aborted ? cancelledError() : new GrpcError(codeName(e.code), e.rawMessage, { cause: error });
  };
  return {
    [Symbol.asyncIterator]() {
      const it = requests[Symbol.asyncIterator]();
      return {
        // A client's RST_STREAM ends Node's request stream as a half-close would; a turn of the
        // event loop later Connect's signal tells them apart.
        next: () =>
          it.next().then(
            (result) => (result.done === true ? new Promise<IteratorResult<unknown>>((resolve, reject) => setImmediate(() => (connect.signal.aborted ? reject(cancelledError()) : resolve(result)))) : result),
            toGrpc,
          ),
        return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      };
    },
  };
}

/** A handler's responses; what it throws becomes the ConnectError that carries its status. */
function responsesOf(run: () => AsyncIterable<unknown>, connect: ConnectContext, fail: (error: unknown, context: ConnectContext) => ConnectError): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      let it: AsyncIterator<unknown>;
      try {
        it = run()[Symbol.asyncIterator]();
      } catch (error) {
        const failure = fail(error, connect);
        return { next: () => Promise.reject(failure) };
      }
      const onError = (error: unknown): never => {
        throw fail(error, connect);
      };
      return {
        next: () => it.next().then(undefined, onError),
        return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
        throw: (error?: unknown) => it.throw?.(error) ?? Promise.reject(error),
      };
    },
  };
}

function toConnectError(error: unknown, context: ConnectContext, method: DescMethod, onUnexpected: OnUnexpected): ConnectError {
  if (error instanceof ConnectError) return error;
  if (!(error instanceof GrpcError)) {
    onUnexpected?.(error, method);
    return new ConnectError('internal error', Code.Internal);
  }
  // A handler that gave up on its cancelled signal after the deadline: the client is told why.
  const reason: unknown = context.signal.reason;
  if (error.code === 'CANCELLED' && reason instanceof ConnectError && reason.code === Code.DeadlineExceeded) return reason;
  const trailers = new Headers();
  for (const [key, value] of Object.entries(error.metadata.toHttp2Headers())) {
    for (const v of Array.isArray(value) ? value : [value]) trailers.append(key, String(v));
  }
  return new ConnectError(error.details, error.status as number as Code, trailers, undefined, error);
}

function codeName(code: Code): GrpcCode {
  return (Status[code] as GrpcCode | undefined) ?? 'UNKNOWN';
}
