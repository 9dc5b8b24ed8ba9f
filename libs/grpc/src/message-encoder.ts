import { ScalarType, toBinary, type DescField, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { protoInt64 } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';

/**
 * Protobuf binary encoding of protobuf-es messages, byte for byte what `toBinary` writes,
 * for the enforcer's hot path (a DecideResponse per decision). Like protobuf-es 2 it compiles
 * one writer per message type from the descriptors, so a field added to a .proto is encoded
 * without code changes here; unlike it, everything is written into one reused buffer (no
 * writer, fork stack or growing arrays per message) and the result is copied out once.
 *
 * The field rules mirror protobuf-es `to-binary.js` (fields in number order; implicit
 * presence written when not the zero value, explicit presence when set; packed repeated
 * scalars; map entries with key 1 and value 2; oneofs; delimited (group) encoding; unknown
 * fields last). Message types this does not compile (a google.protobuf.Struct held as JSON,
 * an unwrapped wrapper field) are encoded with `toBinary`, and so is any message whose values
 * this writer refuses (wrong type, out of range): protobuf-es then throws its own error.
 * Tests compare the two encoders over every field of the thoth schemas.
 */
export interface MessageEncoder<Desc extends DescMessage> {
  (message: MessageShape<Desc>): Buffer;
  /** False when this schema is encoded by `toBinary` (see above). */
  readonly compiled: boolean;
}

export function messageEncoder<Desc extends DescMessage>(schema: Desc): MessageEncoder<Desc> {
  return encoder(schema, 0);
}

/**
 * As `messageEncoder`, with the 5-byte gRPC message prefix (flag 0: not compressed, then the
 * length, big-endian) written in front: a gRPC length-prefixed message, without a copy.
 */
export function grpcFrameEncoder<Desc extends DescMessage>(schema: Desc): MessageEncoder<Desc> {
  return encoder(schema, GRPC_PREFIX);
}

const GRPC_PREFIX = 5;

function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(GRPC_PREFIX + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, GRPC_PREFIX);
  return frame;
}

function encoder<Desc extends DescMessage>(schema: Desc, prefix: 0 | typeof GRPC_PREFIX): MessageEncoder<Desc> {
  const slow = prefix === 0 ? (message: MessageShape<Desc>) => toBuffer(toBinary(schema, message)) : (message: MessageShape<Desc>) => grpcFrame(toBinary(schema, message));
  let write: MessageWriter;
  try {
    write = compiledWriter(schema);
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    return Object.assign(slow, { compiled: false });
  }
  const encode = (message: MessageShape<Desc>): Buffer => {
    pos = prefix;
    try {
      write(message);
    } catch {
      // A value this writer refuses: toBinary throws protobuf-es' own error for it.
      return slow(message);
    }
    if (prefix !== 0) {
      buf[0] = 0;
      buf.writeUInt32BE(pos - prefix, 1);
    }
    const out = Buffer.allocUnsafe(pos);
    buf.copy(out, 0, 0, pos);
    if (buf.length > MAX_KEPT) {
      pos = 0;
      grow(0, INITIAL); // a rare huge message does not keep its buffer
    }
    return out;
  };
  return Object.assign(encode, { compiled: true });
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

// One buffer for every encoder: encoding is synchronous, so calls never interleave.
const INITIAL = 64 * 1024;
const MAX_KEPT = 1024 * 1024;
let buf = Buffer.allocUnsafe(INITIAL);
let view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
let pos = 0;

function grow(need: number, size = Math.max(buf.length * 2, pos + need)): void {
  const next = Buffer.allocUnsafe(size);
  if (pos > 0) buf.copy(next, 0, 0, pos);
  buf = next;
  view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

const ensure = (need: number) => {
  if (pos + need > buf.length) grow(need);
};

type MessageWriter = (message: Record<string, unknown>) => void;
type FieldWriter = (message: Record<string, unknown>) => void;
type ValueWriter = (value: unknown) => void;

class Unsupported extends Error {}

// Fields with implicit presence (proto3 without `optional`), as in protobuf-es.
const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;

const writers = new WeakMap<DescMessage, MessageWriter>();

function compiledWriter(desc: DescMessage): MessageWriter {
  const known = writers.get(desc);
  if (known) return known;
  const typeName = desc.typeName;
  const sorted = desc.fields.concat().sort((a, b) => a.number - b.number);
  const fields: FieldWriter[] = [];
  const write: MessageWriter = (message) => {
    if (message.$typeName !== typeName && sorted.length > 0) throw new Error(`not a ${typeName}`);
    for (let i = 0; i < fields.length; i++) fields[i]!(message);
    const unknown = message.$unknown as { no: number; wireType: WireType; data: Uint8Array }[] | undefined;
    if (unknown !== undefined) {
      for (let i = 0; i < unknown.length; i++) {
        const { no, wireType, data } = unknown[i]!;
        uint32(tagOf(no, wireType));
        raw(data);
      }
    }
  };
  // Registered first, so recursive message types resolve to this writer.
  writers.set(desc, write);
  try {
    for (const field of sorted) fields.push(compileField(field));
  } catch (error) {
    writers.delete(desc);
    throw error;
  }
  return write;
}

function compileField(field: DescField): FieldWriter {
  const name = field.localName;
  switch (field.fieldKind) {
    case 'list':
      return compileList(field);
    case 'map':
      return compileMap(field);
    case 'message':
    case 'scalar':
    case 'enum':
      break;
  }
  const writeValue = singularValue(field);
  if (field.oneof) {
    const oneofName = field.oneof.localName;
    return (message) => {
      const oneof = message[oneofName] as { case: string | undefined; value?: unknown };
      if (oneof.case === name) writeValue(oneof.value);
    };
  }
  if ((field.presence as number) !== IMPLICIT) {
    const required = (field.presence as number) === LEGACY_REQUIRED;
    return (message) => {
      const value = message[name];
      if (value !== undefined && Object.prototype.hasOwnProperty.call(message, name)) writeValue(value);
      else if (required) throw new Error(`required field ${field.name} not set`);
    };
  }
  if (field.fieldKind === 'enum') {
    const zero = field.enum.values[0]!.number;
    return (message) => {
      const value = message[name];
      if (value !== zero) writeValue(value);
    };
  }
  if (field.fieldKind === 'message') throw new Unsupported(`message field ${field.name} with implicit presence`);
  switch (field.scalar) {
    case ScalarType.BOOL:
      return (message) => {
        const value = message[name];
        if (value !== false) writeValue(value);
      };
    case ScalarType.STRING:
      return (message) => {
        const value = message[name];
        if (value !== '') writeValue(value);
      };
    case ScalarType.BYTES:
      return (message) => {
        const value = message[name];
        if (!(value instanceof Uint8Array) || value.byteLength > 0) writeValue(value);
      };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (message) => {
        const value = message[name];
        if (!Object.is(value, 0)) writeValue(value);
      };
    default:
      return (message) => {
        const value = message[name];
        // Loose, as in protobuf-es: 0, 0n and "0" are all the zero value.
        if (value != 0) writeValue(value);
      };
  }
}

/** The tag and value of a singular field. */
function singularValue(field: DescField & { fieldKind: 'message' | 'scalar' | 'enum' }): ValueWriter {
  if (field.fieldKind === 'message') return childWriter(field, field.message);
  const type = field.fieldKind === 'enum' ? ScalarType.INT32 : field.scalar;
  const key = tagOf(field.number, wireTypeOf(type));
  const writeScalar = scalarWriter(type);
  return (value) => {
    uint32(key);
    writeScalar(value);
  };
}

/** A message value with its tag: length-prefixed, or between group tags (delimited encoding). */
function childWriter(field: DescField, message: DescMessage): ValueWriter {
  if (message.typeName === 'google.protobuf.Struct' && field.parent.typeName !== 'google.protobuf.Value') {
    throw new Unsupported('google.protobuf.Struct held as JSON');
  }
  if (field.fieldKind === 'message' && !field.oneof && WRAPPERS.has(message.typeName)) throw new Unsupported('unwrapped wrapper field');
  const writeMessage = compiledWriter(message);
  if ((field as { delimitedEncoding?: boolean }).delimitedEncoding === true) {
    const start = tagOf(field.number, WireType.StartGroup);
    const end = tagOf(field.number, WireType.EndGroup);
    return (value) => {
      uint32(start);
      writeMessage(value as Record<string, unknown>);
      uint32(end);
    };
  }
  const key = tagOf(field.number, WireType.LengthDelimited);
  return (value) => {
    uint32(key);
    delimited(writeMessage, value as Record<string, unknown>);
  };
}

function compileList(field: DescField & { fieldKind: 'list' }): FieldWriter {
  const name = field.localName;
  if (field.listKind === 'message') {
    const writeChild = childWriter(field, field.message);
    return (message) => {
      const items = message[name] as unknown[];
      for (let i = 0; i < items.length; i++) writeChild(items[i]);
    };
  }
  const type = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
  const writeScalar = scalarWriter(type);
  if (field.packed) {
    const key = tagOf(field.number, WireType.LengthDelimited);
    const writeAll = (items: unknown[]) => {
      for (let i = 0; i < items.length; i++) writeScalar(items[i]);
    };
    return (message) => {
      const items = message[name] as unknown[];
      if (items.length === 0) return;
      uint32(key);
      delimited(writeAll, items);
    };
  }
  const key = tagOf(field.number, wireTypeOf(type));
  return (message) => {
    const items = message[name] as unknown[];
    for (let i = 0; i < items.length; i++) {
      uint32(key);
      writeScalar(items[i]);
    }
  };
}

function compileMap(field: DescField & { fieldKind: 'map' }): FieldWriter {
  const name = field.localName;
  const entryKey = tagOf(field.number, WireType.LengthDelimited);
  const keyTag = tagOf(1, wireTypeOf(field.mapKey));
  const writeKey = scalarWriter(field.mapKey);
  const convertKey = mapKeyConverter(field.mapKey);
  let writeValue: ValueWriter;
  if (field.mapKind === 'message') {
    if (field.message.typeName === 'google.protobuf.Struct') throw new Unsupported('google.protobuf.Struct held as JSON');
    const writeMessage = compiledWriter(field.message);
    const valueTag = tagOf(2, WireType.LengthDelimited);
    writeValue = (value) => {
      uint32(valueTag);
      delimited(writeMessage, value as Record<string, unknown>);
    };
  } else {
    const type = field.mapKind === 'enum' ? ScalarType.INT32 : field.scalar;
    const valueTag = tagOf(2, wireTypeOf(type));
    const writeScalar = scalarWriter(type);
    writeValue = (value) => {
      uint32(valueTag);
      writeScalar(value);
    };
  }
  const writeEntry = (entry: { key: string; value: unknown }) => {
    uint32(keyTag);
    writeKey(convertKey(entry.key));
    writeValue(entry.value);
  };
  return (message) => {
    const record = message[name] as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      uint32(entryKey);
      delimited(writeEntry, { key, value: record[key] });
    }
  };
}

/** Map keys are object keys, so strings: converted to their scalar type as protobuf-es does. */
function mapKeyConverter(type: ScalarType): (key: string) => unknown {
  switch (type) {
    case ScalarType.STRING:
      return (key) => key;
    case ScalarType.BOOL:
      return (key) => (key === 'true' ? true : key === 'false' ? false : key);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
    case ScalarType.INT64:
    case ScalarType.SFIXED64:
    case ScalarType.SINT64:
      return (key) => key; // the 64-bit writers take decimal strings
    default:
      return (key) => {
        const n = Number.parseInt(key);
        return Number.isFinite(n) ? n : key;
      };
  }
}

/** Writes `value` with `write` after a varint length prefix (1 byte reserved, moved when longer). */
function delimited<T>(write: (value: T) => void, value: T): void {
  ensure(1);
  const start = ++pos;
  write(value);
  const length = pos - start;
  if (length < 0x80) {
    buf[start - 1] = length;
    return;
  }
  const size = varintSize(length);
  ensure(size - 1);
  buf.copyWithin(start - 1 + size, start, pos);
  const end = pos + size - 1;
  pos = start - 1;
  uint32(length);
  pos = end;
}

const tagOf = (fieldNo: number, wireType: WireType) => ((fieldNo << 3) | wireType) >>> 0;

function wireTypeOf(type: ScalarType): WireType {
  switch (type) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function uint32(value: number): void {
  ensure(5);
  const b = buf;
  let p = pos;
  while (value > 0x7f) {
    b[p++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  b[p++] = value;
  pos = p;
}

function raw(bytes: Uint8Array): void {
  const n = bytes.length;
  ensure(n);
  const b = buf;
  const at = pos;
  if (n <= 64) for (let i = 0; i < n; i++) b[at + i] = bytes[i]!;
  else b.set(bytes, at);
  pos = at + n;
}

function string(value: unknown): void {
  const s = typeof value === 'string' ? value : String(value);
  const n = s.length;
  // The length prefix is guessed from n (right for ASCII, which is most of what we send) and
  // the bytes moved in the rare case the UTF-8 length needs a longer prefix.
  const prefix = varintSize(n);
  if (n > 16) {
    ensure(prefix + 3 * n + 5);
    const written = buf.write(s, pos + prefix, 'utf8');
    const actual = varintSize(written);
    if (actual !== prefix) buf.copyWithin(pos + actual, pos + prefix, pos + prefix + written);
    uint32(written);
    pos += written;
    return;
  }
  // Short strings: copied char by char while ASCII (cheaper than the native call).
  ensure(5 + 3 * n); // uint32() below must not grow the buffer under the bytes copied already
  const b = buf;
  const at = pos + prefix;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    b[at + i] = c;
  }
  if (i === n) {
    uint32(n);
    pos += n;
    return;
  }
  const bytes = Buffer.byteLength(s, 'utf8');
  uint32(bytes);
  buf.write(s, pos, bytes, 'utf8');
  pos += bytes;
}

const UINT32_MAX = 0xffffffff;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;

const asNumber = (value: unknown): number => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  throw new TypeError(`not a number: ${typeof value}`);
};

function checkedUint32(value: unknown): number {
  const n = asNumber(value);
  if (!Number.isInteger(n) || n > UINT32_MAX || n < 0) throw new RangeError(`invalid uint32: ${n}`);
  return n;
}

function checkedInt32(value: unknown): number {
  const n = asNumber(value);
  if (!Number.isInteger(n) || n > INT32_MAX || n < INT32_MIN) throw new RangeError(`invalid int32: ${n}`);
  return n;
}

function int32(value: unknown): void {
  let n = checkedInt32(value);
  if (n >= 0) return uint32(n);
  // Negative: sign-extended to 64 bits, ten bytes.
  ensure(10);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>= 7;
  }
  buf[pos++] = 1;
}

function varint64(lo: number, hi: number): void {
  ensure(10);
  for (let i = 0; i < 28; i += 7) {
    const shift = lo >>> i;
    const more = !(shift >>> 7 === 0 && hi === 0);
    buf[pos++] = (more ? shift | 0x80 : shift) & 0xff;
    if (!more) return;
  }
  const split = ((lo >>> 28) & 0x0f) | ((hi & 0x07) << 4);
  const moreHi = !(hi >> 3 === 0);
  buf[pos++] = (moreHi ? split | 0x80 : split) & 0xff;
  if (!moreHi) return;
  for (let i = 3; i < 31; i += 7) {
    const shift = hi >>> i;
    const more = !(shift >>> 7 === 0);
    buf[pos++] = (more ? shift | 0x80 : shift) & 0xff;
    if (!more) return;
  }
  buf[pos++] = (hi >>> 31) & 0x01;
}

type Int64 = string | number | bigint;

function uint64(value: unknown): void {
  // Small non-negative bigints (versions, seconds) are the common case: same bytes as uint32.
  if (typeof value === 'bigint' && value >= 0n && value <= 0xffffffffn) return uint32(Number(value));
  const { lo, hi } = protoInt64.uEnc(value as Int64);
  varint64(lo, hi);
}

function int64(value: unknown): void {
  if (typeof value === 'bigint' && value >= 0n && value <= 0xffffffffn) return uint32(Number(value));
  const { lo, hi } = protoInt64.enc(value as Int64);
  varint64(lo, hi);
}

function sint64(value: unknown): void {
  const { lo, hi } = protoInt64.enc(value as Int64);
  const sign = hi >> 31;
  varint64((lo << 1) ^ sign, ((hi << 1) | (lo >>> 31)) ^ sign);
}

function fixed64(lo: number, hi: number): void {
  ensure(8);
  view.setInt32(pos, lo, true);
  view.setInt32(pos + 4, hi, true);
  pos += 8;
}

function scalarWriter(type: ScalarType): ValueWriter {
  switch (type) {
    case ScalarType.STRING:
      return string;
    case ScalarType.BOOL:
      return (value) => {
        ensure(1);
        buf[pos++] = value ? 1 : 0;
      };
    case ScalarType.BYTES:
      return (value) => {
        if (!(value instanceof Uint8Array)) throw new TypeError('bytes field is not a Uint8Array');
        uint32(value.byteLength);
        raw(value);
      };
    case ScalarType.INT32:
      return int32;
    case ScalarType.UINT32:
      return (value) => uint32(checkedUint32(value));
    case ScalarType.SINT32:
      return (value) => {
        const n = checkedInt32(value);
        uint32(((n << 1) ^ (n >> 31)) >>> 0);
      };
    case ScalarType.FIXED32:
      return (value) => {
        ensure(4);
        view.setUint32(pos, checkedUint32(value), true);
        pos += 4;
      };
    case ScalarType.SFIXED32:
      return (value) => {
        ensure(4);
        view.setInt32(pos, checkedInt32(value), true);
        pos += 4;
      };
    case ScalarType.FLOAT:
      return (value) => {
        const n = asNumber(value);
        if (typeof value === 'string' && Number.isNaN(n) && value !== 'NaN') throw new RangeError(`invalid float32: ${value}`);
        if (Number.isFinite(n) && (n > 3.4028234663852886e38 || n < -3.4028234663852886e38)) throw new RangeError(`invalid float32: ${n}`);
        ensure(4);
        view.setFloat32(pos, n, true);
        pos += 4;
      };
    case ScalarType.DOUBLE:
      return (value) => {
        ensure(8);
        view.setFloat64(pos, value as number, true);
        pos += 8;
      };
    case ScalarType.INT64:
      return int64;
    case ScalarType.UINT64:
      return uint64;
    case ScalarType.SINT64:
      return sint64;
    case ScalarType.FIXED64:
      return (value) => {
        const { lo, hi } = protoInt64.uEnc(value as Int64);
        fixed64(lo, hi);
      };
    case ScalarType.SFIXED64:
      return (value) => {
        const { lo, hi } = protoInt64.enc(value as Int64);
        fixed64(lo, hi);
      };
  }
}

const WRAPPERS = new Set(
  ['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `google.protobuf.${n}`),
);
