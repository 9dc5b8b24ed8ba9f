import type { DescMethod, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { Deadline, Metadata } from '@grpc/grpc-js';

// What a service's handlers look like, whichever server runs them (grpc-js's Server through
// addService, or GrpcServer): shared by server.ts and http2-server.ts.

export interface HandlerContext {
  /** Request metadata (headers). */
  readonly metadata: Metadata;
  /** Aborted, with a CANCELLED GrpcError as reason, when the client cancels or the deadline passes. */
  readonly signal: AbortSignal;
  readonly deadline: Deadline;
  readonly peer: string;
}

type Request<M extends DescMethod> = MessageShape<M['input']>;
type Response<M extends DescMethod> = MessageInitShape<M['output']>;

/** A handler per method kind; throw a GrpcError to answer with its status. */
export type MethodHandler<M extends DescMethod> = M['methodKind'] extends 'unary'
  ? (request: Request<M>, context: HandlerContext) => Promise<Response<M>> | Response<M>
  : M['methodKind'] extends 'server_streaming'
    ? (request: Request<M>, context: HandlerContext) => AsyncIterable<Response<M>>
    : M['methodKind'] extends 'client_streaming'
      ? (requests: AsyncIterable<Request<M>>, context: HandlerContext) => Promise<Response<M>>
      : (requests: AsyncIterable<Request<M>>, context: HandlerContext) => AsyncIterable<Response<M>>;

export type ServiceHandlers<S extends DescService> = {
  [K in keyof S['method']]: S['method'][K] extends DescMethod ? MethodHandler<S['method'][K]> : never;
};

export interface AddServiceOptions {
  /** Sees every error a handler threw that was not a GrpcError (sent to the client as INTERNAL). */
  onUnexpectedError?: (error: unknown, method: DescMethod) => void;
}
