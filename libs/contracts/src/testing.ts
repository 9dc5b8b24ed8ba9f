// Test-only contracts (the Echo service used by libs/grpc's tests); not part of the product API.
export * from './gen/thoth/testing/v1/echo_pb.js';
