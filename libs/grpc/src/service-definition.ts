import { create, fromBinary } from '@bufbuild/protobuf';
import type { DescMessage, DescMethod, DescService, Message, MessageInitShape } from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { messageEncoder } from './message-encoder.js';

/** The grpc-js definition of a protobuf-es service: one entry per method, by localName. */
export function serviceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, Message>> = {};
  for (const method of service.methods) definition[method.localName] = methodDefinition(method);
  return definition;
}

export function methodDefinition(method: DescMethod): MethodDefinition<unknown, Message> {
  return {
    path: methodPath(method),
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: serializer(method.input),
    requestDeserialize: deserializer(method.input),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
    originalName: method.localName,
  };
}

/** `/thoth.decision.v1.Enforcer/Decide`: the HTTP/2 path of a method. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

// Accepts a message or its init shape: create() returns a message of the schema as is.
function serializer(schema: DescMessage): (value: unknown) => Buffer {
  const encode = messageEncoder(schema);
  return (value) => encode(create(schema, value as MessageInitShape<DescMessage>));
}

// Read through a plain Uint8Array view, so bytes fields are Uint8Arrays, not Buffers.
function deserializer(schema: DescMessage): (bytes: Buffer) => Message {
  return (bytes) => fromBinary(schema, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
