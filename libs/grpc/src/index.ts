// gRPC for protobuf-es services: protobuf-es generates no grpc-js stubs, so services are served
// and called from their descriptors. grpc-js's client (createClient) and Server (addService);
// GrpcServer, a gRPC server on node:http2, and the compiled protobuf encoder, for the
// enforcer's Decide (docs/enforcer-performance.md: grpc-js's and connect-node's servers cost
// several times its CPU per message).
export { ERROR_CODE_HEADER, GrpcError, toGrpcError } from './grpc-error.js';
export type { GrpcCode } from './grpc-error.js';
export { methodPath, serviceDefinition } from './service-definition.js';
export { addService } from './server.js';
export { GrpcServer } from './http2-server.js';
export { Http2Listener, type Http2Limits } from './http2-listener.js';
export type { GrpcServerOptions } from './http2-server.js';
export { grpcFrameEncoder, messageEncoder } from './message-encoder.js';
export type { MessageEncoder } from './message-encoder.js';
export type { AddServiceOptions, HandlerContext, MethodHandler, ServiceHandlers } from './handlers.js';
export { createClient } from './client.js';
export { channelCredentials, serverCredentials, type ChannelTls, type ServerTls } from './credentials.js';
export type { BidiStream, CallOptions, ClientMethod, ServiceClient } from './client.js';
