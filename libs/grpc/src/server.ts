import type { DescMethod, DescService } from '@bufbuild/protobuf';
import type {
  Deadline,
  Metadata,
  sendUnaryData,
  Server,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { GrpcError, toGrpcError, toStatus } from './grpc-error.js';
import type { AddServiceOptions, HandlerContext, ServiceHandlers } from './handlers.js';
import { GrpcServer } from './http2-server.js';
import { readMessages } from './messages.js';
import { serviceDefinition } from './service-definition.js';

/** Registers typed handlers for a protobuf-es service on a grpc-js server, or on a GrpcServer. */
export function addService<S extends DescService>(
  server: Server | GrpcServer,
  service: S,
  handlers: ServiceHandlers<S>,
  options: AddServiceOptions = {},
): void {
  if (server instanceof GrpcServer) {
    server.addService(service, handlers, options);
    return;
  }
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, unknown>)[method.localName];
    if (typeof handler !== 'function') throw new Error(`no handler for ${service.typeName}.${method.name}`);
    const fail = (error: unknown) => {
      if (!(error instanceof GrpcError)) options.onUnexpectedError?.(error, method);
      return toStatus(error);
    };
    implementation[method.localName] = adapt(method, handler as AnyHandler, fail);
  }
  server.addService(serviceDefinition(service), implementation);
}

type AnyHandler = (input: unknown, context: HandlerContext) => unknown;
type Fail = (error: unknown) => ReturnType<typeof toStatus>;
type AnyCall = ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown> | ServerWritableStream<unknown, unknown>;

function adapt(method: DescMethod, handler: AnyHandler, fail: Fail): UntypedServiceImplementation[string] {
  switch (method.methodKind) {
    case 'unary':
      return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        respond(() => handler(call.request, contextOf(call)), callback, fail);
      };
    case 'client_streaming':
      return (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const context = contextOf(call);
        respond(() => handler(requestsOf(call), context), callback, fail);
      };
    case 'server_streaming':
      return (call: ServerWritableStream<unknown, unknown>) => {
        const context = contextOf(call);
        void stream(() => handler(call.request, context) as AsyncIterable<unknown>, call, context.signal, fail);
      };
    case 'bidi_streaming':
      return (call: ServerDuplexStream<unknown, unknown>) => {
        const context = contextOf(call);
        void stream(() => handler(requestsOf(call), context) as AsyncIterable<unknown>, call, context.signal, fail);
      };
  }
}

function contextOf(call: AnyCall): HandlerContext {
  return new CallContext(call);
}

/**
 * grpc-js emits 'cancelled' at the end of every call, completed ones included, so the
 * AbortController (and the CANCELLED error with its stack) is made only for a handler that
 * looks at `signal`: a hot unary method that never does pays nothing for it. Whoever reads
 * `signal` sees exactly what an eagerly made one would show (aborted once the call is).
 */
class CallContext implements HandlerContext {
  readonly metadata: Metadata;
  readonly #call: AnyCall;
  #controller: AbortController | undefined;
  #cancelled = false;

  constructor(call: AnyCall) {
    this.metadata = call.metadata;
    this.#call = call;
    if (call.cancelled) this.#cancelled = true;
    else (call as NodeJS.EventEmitter).once('cancelled', () => this.#cancel());
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#cancelled) this.#controller.abort(cancelledError());
    }
    return this.#controller.signal;
  }

  get deadline(): Deadline {
    return this.#call.getDeadline();
  }

  get peer(): string {
    return this.#call.getPeer();
  }

  #cancel(): void {
    this.#cancelled = true;
    this.#controller?.abort(cancelledError());
  }
}

const cancelledError = () => new GrpcError('CANCELLED', 'call cancelled by the client or its deadline');

function requestsOf(call: ServerReadableStream<unknown, unknown>): AsyncIterable<unknown> {
  return readMessages(call, {
    errors: {
      cancelled: cancelledError,
      error: toGrpcError,
    },
  });
}

function respond(run: () => unknown, callback: sendUnaryData<unknown>, fail: Fail): void {
  new Promise((resolve) => resolve(run())).then(
    (response) => callback(null, response),
    (error: unknown) => callback(fail(error)),
  );
}

async function stream(
  run: () => AsyncIterable<unknown>,
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  signal: AbortSignal,
  fail: Fail,
): Promise<void> {
  try {
    for await (const response of run()) {
      if (signal.aborted) return; // leaving the loop runs the handler's finally blocks
      if (!call.write(response)) await drained(call, signal);
    }
    call.end();
  } catch (error) {
    if (!signal.aborted) call.emit('error', fail(error));
  }
}

function drained(call: NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
