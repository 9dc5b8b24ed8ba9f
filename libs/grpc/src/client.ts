import type { DescMethod, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import type { CallOptions as GrpcCallOptions, Client, ClientWritableStream, ClientDuplexStream } from '@grpc/grpc-js';
import { toGrpcError } from './grpc-error.js';
import { readMessages } from './messages.js';
import { methodDefinition } from './service-definition.js';

export interface CallOptions {
  /** Time allowed for the whole call, in milliseconds; past it the call fails with DEADLINE_EXCEEDED. */
  deadlineMs?: number;
  /** Aborting cancels the call: it fails with CANCELLED and the server observes cancellation. */
  signal?: AbortSignal;
  metadata?: Metadata;
}

/** A bidirectional call: iterate it for responses; send requests, then end (or cancel). */
export interface BidiStream<I, O> extends AsyncIterable<O> {
  /** Resolves once the request is handed to the transport (waits while its buffer is full). */
  send(request: I): Promise<void>;
  /** No more requests (half-close); responses keep coming. */
  end(): void;
  cancel(): void;
}

type Request<M extends DescMethod> = MessageInitShape<M['input']>;
type Response<M extends DescMethod> = MessageShape<M['output']>;

export type ClientMethod<M extends DescMethod> = M['methodKind'] extends 'unary'
  ? (request: Request<M>, options?: CallOptions) => Promise<Response<M>>
  : M['methodKind'] extends 'server_streaming'
    ? (request: Request<M>, options?: CallOptions) => AsyncIterable<Response<M>>
    : M['methodKind'] extends 'client_streaming'
      ? (requests: AsyncIterable<Request<M>> | Iterable<Request<M>>, options?: CallOptions) => Promise<Response<M>>
      : (options?: CallOptions) => BidiStream<Request<M>, Response<M>>;

export type ServiceClient<S extends DescService> = {
  [K in keyof S['method']]: S['method'][K] extends DescMethod ? ClientMethod<S['method'][K]> : never;
};

/**
 * A typed client for a protobuf-es service over a grpc-js channel. The caller owns the
 * channel (`new grpc.Client(address, credentials, options)`) and closes it.
 */
export function createClient<S extends DescService>(service: S, channel: Client): ServiceClient<S> {
  const client: Record<string, unknown> = {};
  for (const method of service.methods) client[method.localName] = clientMethod(method, channel);
  return client as ServiceClient<S>;
}

function clientMethod(method: DescMethod, channel: Client): unknown {
  const { path, requestSerialize: serialize, responseDeserialize: deserialize } = methodDefinition(method);
  switch (method.methodKind) {
    case 'unary':
      return (request: unknown, options: CallOptions = {}) =>
        new Promise((resolve, reject) => {
          let unlink = (): void => {};
          const call = channel.makeUnaryRequest(path, serialize, deserialize, request, ...args(options), (error, response) => {
            unlink();
            if (error) reject(toGrpcError(error));
            else resolve(response);
          });
          unlink = onAbort(options.signal, () => call.cancel());
        });
    case 'server_streaming':
      return (request: unknown, options: CallOptions = {}) => {
        const call = channel.makeServerStreamRequest(path, serialize, deserialize, request, ...args(options));
        const unlink = onAbort(options.signal, () => call.cancel());
        call.once('status', unlink);
        return readMessages(call, { errors: { error: toGrpcError }, onReturn: () => call.cancel() });
      };
    case 'client_streaming':
      return (requests: AsyncIterable<unknown> | Iterable<unknown>, options: CallOptions = {}) =>
        new Promise((resolve, reject) => {
          let sourceError: { error: unknown } | undefined;
          let unlink = (): void => {};
          const call = channel.makeClientStreamRequest(path, serialize, deserialize, ...args(options), (error, response) => {
            unlink();
            if (sourceError) reject(sourceError.error);
            else if (error) reject(toGrpcError(error));
            else resolve(response);
          });
          unlink = onAbort(options.signal, () => call.cancel());
          const state = watch(call);
          void (async () => {
            try {
              for await (const request of requests) await send(call, request, state);
              call.end();
            } catch (error) {
              sourceError = { error };
              call.cancel();
            }
          })();
        });
    case 'bidi_streaming':
      return (options: CallOptions = {}): BidiStream<unknown, unknown> => {
        const call = channel.makeBidiStreamRequest(path, serialize, deserialize, ...args(options));
        const state = watch(call);
        const unlink = onAbort(options.signal, () => call.cancel());
        void state.finished.then(unlink);
        let ended = false;
        const responses = readMessages(call, { errors: { error: toGrpcError }, onReturn: () => call.cancel() });
        return {
          send: (request) => {
            if (ended) return Promise.reject(new Error('send() after end()'));
            return send(call, request, state);
          },
          end: () => {
            if (!ended) call.end();
            ended = true;
          },
          cancel: () => call.cancel(),
          [Symbol.asyncIterator]: () => responses,
        };
      };
  }
}

function args(options: CallOptions): [Metadata, GrpcCallOptions] {
  const callOptions: GrpcCallOptions = {};
  if (options.deadlineMs !== undefined) callOptions.deadline = Date.now() + options.deadlineMs;
  return [options.metadata ?? new Metadata(), callOptions];
}

/** Runs cancel when the signal aborts (at once if it already has); returns the unlinker. */
function onAbort(signal: AbortSignal | undefined, cancel: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    queueMicrotask(cancel);
    return () => {};
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

type WritableCall = ClientWritableStream<unknown> | ClientDuplexStream<unknown, unknown>;

interface CallState {
  done: boolean;
  finished: Promise<void>;
  /** While the write buffer is full: one wait shared by every pending sender. */
  drained?: Promise<void>;
}

function watch(call: WritableCall): CallState {
  const state: CallState = { done: false, finished: Promise.resolve() };
  state.finished = new Promise((resolve) =>
    call.once('status', () => {
      state.done = true;
      resolve();
    }),
  );
  return state;
}

// Writes one request, waiting while the buffer is full. A finished call takes no more
// requests; its status (on the response side) says why. Concurrent senders share one
// 'drain' listener rather than adding one each.
async function send(call: WritableCall, request: unknown, state: CallState): Promise<void> {
  if (state.done || call.writableEnded || call.write(request)) return;
  state.drained ??= new Promise<void>((resolve) => {
    const release = (): void => {
      call.off('drain', release);
      state.drained = undefined;
      resolve();
    };
    call.once('drain', release);
    void state.finished.then(release);
  });
  await state.drained;
}
