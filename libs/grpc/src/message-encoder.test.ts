import { create, createFileRegistry, fromBinary, isFieldSet, ScalarType, toBinary, type DescField, type DescFile, type DescMessage, type Message } from '@bufbuild/protobuf';
import * as wkt from '@bufbuild/protobuf/wkt';
import * as contracts from '@thoth/contracts';
import * as health from '@thoth/contracts/health';
import * as testing from '@thoth/contracts/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grpcFrameEncoder, messageEncoder } from './message-encoder.js';

/** Every message type a module exports (nested ones included). */
function messagesOf(...modules: Record<string, unknown>[]): DescMessage[] {
  const out = new Map<string, DescMessage>();
  const add = (m: DescMessage) => {
    if (out.has(m.typeName)) return;
    out.set(m.typeName, m);
    for (const nested of m.nestedMessages) add(nested);
  };
  for (const mod of modules) {
    for (const value of Object.values(mod)) {
      if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'message') add(value as DescMessage);
      if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file') for (const m of (value as DescFile).messages) add(m);
    }
  }
  return [...out.values()];
}

// Every scalar type, singular (implicit and explicit presence) and repeated (packed and
// not), maps with every kind of key and value, a oneof, nesting and recursion: what the
// thoth schemas use today and what they might use tomorrow.
const SCALARS = ['double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32', 'sfixed32', 'sfixed64', 'sint32', 'sint64'] as const;
const TYPE_NUMBER: Record<(typeof SCALARS)[number], number> = {
  double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8, string: 9, bytes: 12, uint32: 13, sfixed32: 15, sfixed64: 16, sint32: 17, sint64: 18,
};
const allKinds: DescFile = (() => {
  const fields: Record<string, unknown>[] = [];
  // proto3 `optional` fields each sit in a synthetic oneof of their own.
  const oneofs: { name: string }[] = [];
  let n = 1;
  for (const s of SCALARS) {
    fields.push({ name: `s_${s}`, number: n++, label: 1, type: TYPE_NUMBER[s] });
    fields.push({ name: `o_${s}`, number: n++, label: 1, type: TYPE_NUMBER[s], proto3Optional: true, oneofIndex: oneofs.length });
    oneofs.push({ name: `_o_${s}` });
    fields.push({ name: `r_${s}`, number: n++, label: 3, type: TYPE_NUMBER[s] });
    fields.push({ name: `u_${s}`, number: n++, label: 3, type: TYPE_NUMBER[s], options: { packed: false } });
  }
  const choice = oneofs.length;
  oneofs.push({ name: 'choice' });
  fields.push({ name: 'c_string', number: n++, label: 1, type: 9, oneofIndex: choice });
  fields.push({ name: 'c_uint64', number: n++, label: 1, type: 4, oneofIndex: choice });
  fields.push({ name: 'c_child', number: n++, label: 1, type: 11, typeName: '.test.AllKinds', oneofIndex: choice });
  fields.push({ name: 'child', number: n++, label: 1, type: 11, typeName: '.test.AllKinds' });
  fields.push({ name: 'children', number: n++, label: 3, type: 11, typeName: '.test.AllKinds' });
  fields.push({ name: 'color', number: n++, label: 1, type: 14, typeName: '.test.Color' });
  fields.push({ name: 'colors', number: n++, label: 3, type: 14, typeName: '.test.Color' });
  fields.push({ name: 'at', number: n++, label: 1, type: 11, typeName: '.google.protobuf.Timestamp' });
  const nested: Record<string, unknown>[] = [];
  const mapOf = (name: string, key: number, value: number, typeName?: string) => {
    const entry = `${name.charAt(0).toUpperCase()}${name.slice(1).replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}Entry`;
    nested.push({
      name: entry,
      options: { mapEntry: true },
      field: [
        { name: 'key', number: 1, label: 1, type: key },
        { name: 'value', number: 2, label: 1, type: value, ...(typeName ? { typeName } : {}) },
      ],
    });
    fields.push({ name, number: n++, label: 3, type: 11, typeName: `.test.AllKinds.${entry}` });
  };
  mapOf('m_string_string', 9, 9);
  mapOf('m_int32_bytes', 5, 12);
  mapOf('m_uint64_double', 4, 1);
  mapOf('m_sint64_color', 18, 14, '.test.Color');
  mapOf('m_bool_child', 8, 11, '.test.AllKinds');
  mapOf('m_fixed32_int64', 7, 3);
  const proto = create(wkt.FileDescriptorProtoSchema, {
    name: 'test/all_kinds.proto',
    package: 'test',
    syntax: 'proto3',
    dependency: ['google/protobuf/timestamp.proto'],
    enumType: [{ name: 'Color', value: [{ name: 'COLOR_UNSPECIFIED', number: 0 }, { name: 'COLOR_RED', number: 1 }, { name: 'COLOR_BLUE', number: 7 }] }],
    messageType: [{ name: 'AllKinds', field: fields, oneofDecl: oneofs, nestedType: nested }],
  });
  const registry = createFileRegistry(proto, (name) => (name === 'google/protobuf/timestamp.proto' ? wkt.file_google_protobuf_timestamp : undefined));
  return registry.getFile('test/all_kinds.proto')!;
})();

const SCHEMAS: DescMessage[] = [
  ...messagesOf(contracts, testing, health),
  ...messagesOf(wkt as unknown as Record<string, unknown>),
  ...allKinds.messages,
];

// Values chosen to reach every branch: empty and multi-byte strings (lone surrogates too),
// lengths over 127 (two-byte prefixes), 64-bit extremes, negative int32 (ten-byte varints).
const text = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.string({ minLength: 120, maxLength: 400 }),
);
const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -2, max: 200 }));
const uint32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 300 }));
const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -2n, max: 2n ** 33n }));
const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 33n }), fc.constant(0n));

function scalar(type: ScalarType, longAsString: boolean): fc.Arbitrary<unknown> {
  const long = (a: fc.Arbitrary<bigint>) => (longAsString ? a.map(String) : a);
  switch (type) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BYTES:
      return fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 60, maxLength: 300 }));
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return fc.double();
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(int64);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(uint64);
  }
}

const enumValue = (field: { enum: { values: readonly { number: number }[] } }) => fc.oneof(fc.constantFrom(...field.enum.values.map((v) => v.number)), int32);

function mapKey(type: ScalarType): fc.Arbitrary<string> {
  switch (type) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BOOL:
      return fc.constantFrom('true', 'false');
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return int64.map(String);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return uint64.map(String);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32.map(String);
    default:
      return int32.map(String);
  }
}

/** A random message of `desc` (init shape for create()); every field may be set, nesting bounded. */
function messageInit(desc: DescMessage, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const value = (field: DescField): fc.Arbitrary<unknown> | undefined => {
    switch (field.fieldKind) {
      case 'scalar':
        return scalar(field.scalar, field.longAsString);
      case 'enum':
        return enumValue(field);
      case 'message':
        return depth > 0 ? messageInit(field.message, depth - 1).map((init) => create(field.message, init)) : undefined;
      case 'list': {
        const item =
          field.listKind === 'scalar'
            ? scalar(field.scalar, field.longAsString)
            : field.listKind === 'enum'
              ? enumValue(field)
              : depth > 0
                ? messageInit(field.message, depth - 1).map((init) => create(field.message, init))
                : undefined;
        return item ? fc.array(item, { maxLength: 5 }) : undefined;
      }
      case 'map': {
        const v =
          field.mapKind === 'scalar'
            ? scalar(field.scalar, false)
            : field.mapKind === 'enum'
              ? enumValue(field)
              : depth > 0
                ? messageInit(field.message, depth - 1).map((init) => create(field.message, init))
                : undefined;
        return v ? fc.dictionary(mapKey(field.mapKey), v, { maxKeys: 4 }) : undefined;
      }
    }
  };
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const v = value(field);
    if (v) parts[field.localName] = v;
  }
  for (const oneof of desc.oneofs) {
    const cases = oneof.fields.flatMap((f) => {
      const v = value(f);
      return v ? [v.map((x) => ({ case: f.localName, value: x }))] : [];
    });
    if (cases.length > 0) parts[oneof.localName] = fc.oneof(...cases);
  }
  return fc.record(parts, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Sets every field `message` leaves unset (oneofs aside) to a value that is not its zero value. */
function fillAll<T extends Message>(desc: DescMessage, message: T, depth: number): T {
  const m = message as unknown as Record<string, unknown>;
  const one = (type: ScalarType): unknown =>
    type === ScalarType.STRING ? 'x' : type === ScalarType.BYTES ? new Uint8Array([1]) : type === ScalarType.BOOL ? true : [ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64].includes(type) ? 1n : 1;
  const child = (d: DescMessage) => fillAll(d, create(d), depth - 1);
  for (const field of desc.fields) {
    if (field.oneof || isFieldSet(message, field) || (depth === 0 && (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message') || (field.fieldKind === 'map' && field.mapKind === 'message')))) continue;
    switch (field.fieldKind) {
      case 'scalar':
        m[field.localName] = one(field.scalar);
        break;
      case 'enum':
        m[field.localName] = field.enum.values.find((v) => v.number !== 0)?.number ?? 1;
        break;
      case 'message':
        m[field.localName] = child(field.message);
        break;
      case 'list':
        m[field.localName] = [field.listKind === 'scalar' ? one(field.scalar) : field.listKind === 'enum' ? 1 : child(field.message)];
        break;
      case 'map':
        m[field.localName] = { '1': field.mapKind === 'scalar' ? one(field.scalar) : field.mapKind === 'enum' ? 1 : child(field.message) };
        break;
    }
  }
  return message;
}

function sameBytes(schema: DescMessage, message: ReturnType<typeof create>): void {
  let expected: string | { error: true };
  try {
    expected = Buffer.from(toBinary(schema, message)).toString('hex');
  } catch {
    expected = { error: true };
  }
  const encode = messageEncoder(schema);
  let actual: string | { error: true };
  try {
    actual = encode(message).toString('hex');
  } catch {
    actual = { error: true };
  }
  expect(actual).toEqual(expected);
}

describe('messageEncoder', () => {
  it('compiles the hot-path messages (a new field of a kind it cannot encode fails here, not silently)', () => {
    for (const schema of [contracts.DecideResponseSchema, contracts.DecisionEventSchema, contracts.ReceiptSchema, contracts.MatchedRuleSchema, contracts.DecideRequestSchema]) {
      expect(messageEncoder(schema).compiled, schema.typeName).toBe(true);
    }
    expect(allKinds.messages[0]!.fields.length).toBeGreaterThan(60);
  });

  it('writes what protobuf-es toBinary writes, byte for byte, for every field of every schema', () => {
    for (const schema of SCHEMAS) {
      fc.assert(
        fc.property(messageInit(schema, 2), (init) => sameBytes(schema, create(schema, init))),
        { numRuns: schema === allKinds.messages[0] ? 600 : 60 },
      );
    }
  });

  it('writes every field of DecideResponse and DecisionEvent when all are set', () => {
    // Filled from the descriptors, so a field added to the schema is set here too: a field the
    // encoder dropped would show as a byte difference and as a field missing after decoding.
    for (const schema of [contracts.DecideResponseSchema, contracts.DecisionEventSchema]) {
      for (const init of fc.sample(messageInit(schema, 2), 20)) {
        const message = fillAll(schema, create(schema, init), 2);
        sameBytes(schema, message);
        const bytes = messageEncoder(schema)(message);
        const decoded = fromBinary(schema, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        for (const field of schema.fields) expect(isFieldSet(decoded, field), `${schema.typeName}.${field.name}`).toBe(true);
      }
    }
  });

  it('grpcFrameEncoder: the gRPC length prefix, then the same bytes', () => {
    const frame = grpcFrameEncoder(contracts.DecideResponseSchema);
    for (const init of fc.sample(messageInit(contracts.DecideResponseSchema, 2), 50)) {
      const message = create(contracts.DecideResponseSchema, init);
      const bytes = toBinary(contracts.DecideResponseSchema, message);
      const framed = frame(message);
      expect(framed[0]).toBe(0);
      expect(framed.readUInt32BE(1)).toBe(bytes.length);
      expect(framed.subarray(5).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
    }
  });

  it('keeps unknown fields, as toBinary does', () => {
    const bytes = new Uint8Array([...toBinary(contracts.MatchedRuleSchema, create(contracts.MatchedRuleSchema, { ruleId: 'r' })), 0xf8, 0x3e, 0x05]); // field 999, varint 5
    const decoded = fromBinary(contracts.MatchedRuleSchema, bytes);
    expect(decoded.$unknown).toHaveLength(1);
    sameBytes(contracts.MatchedRuleSchema, decoded);
  });

  it('refuses what toBinary refuses', () => {
    const bad = create(contracts.ReceiptSchema, { batchSize: 1 });
    (bad as { batchSize: number }).batchSize = -1;
    expect(() => messageEncoder(contracts.ReceiptSchema)(bad)).toThrow(/uint32/);
    const foreign = create(contracts.MatchedRuleSchema, { ruleId: 'r' });
    expect(() => messageEncoder(contracts.ReceiptSchema)(foreign as never)).toThrow();
  });

  it('encodes messages larger than its buffer, and keeps working after', () => {
    const big = create(contracts.DecisionEventSchema, { decisionId: 'd', retainedArgumentsJson: new Uint8Array(3 * 1024 * 1024).fill(7), matchedRules: [{ ruleId: 'x'.repeat(70_000) }] });
    sameBytes(contracts.DecisionEventSchema, big);
    sameBytes(contracts.DecisionEventSchema, create(contracts.DecisionEventSchema, { decisionId: 'after' }));
  });
});
