import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { DecisionEventSchema, Outcome } from '@thoth/contracts';
import { HASH_SIZE, leafHash, rootFromInclusionProof } from '@thoth/merkle';
import { hash } from 'node:crypto';
import { judgeDecisionEvent, type DecisionVerdict, type TenantReceiptKeys } from './decision-trust.js';
import { receiptBatchSigningPayload } from './receipt.js';

/** A verdict on a decision as published, with its receipt's key id ('' when it has none). */
export type PublishedVerdict = DecisionVerdict & { readonly keyId: string };

/**
 * `judgeDecisionEvent` of the event that `encoded` (a DecisionEvent as published: a Kafka message's
 * value) decodes to, judged on the bytes themselves: the event is not decoded, its digest is taken
 * over the bytes without the receipt record, and the receipt's leaf entry is written from the
 * receipt's own bytes. For whoever judges every message of the decisions topic (a fleet fold:
 * each enforcer judges every peer decision), where decoding and re-encoding cost more than deciding.
 *
 * Only a version 3 receipt that verifies, over this event, from the process that announced its key,
 * is believed that way; anything else (no receipt or two, another version, a record these bytes
 * spell differently from protobuf-es, any check that fails) is judged by `judgeDecisionEvent` of the
 * decoded event, which gives the verdict and its reason. Both believe exactly the same events: the
 * leaf entry and the digest are hashes of the very bytes the signer wrote (a string's UTF-8 bytes
 * are its protobuf bytes), so an event whose bytes lead to its signed root decodes to fields that do.
 * A receipt key the tenant's keys do not have is answered at once (receipt.unknown_key), without
 * decoding the rest. Throws when the bytes must be decoded and are not a DecisionEvent (as fromBinary).
 */
export function judgePublishedDecision(encoded: Uint8Array, keys: TenantReceiptKeys): PublishedVerdict {
  const published = readPublished(encoded);
  if (published !== undefined) {
    const { keyId } = published;
    if (!keys.has(keyId)) return { ok: false, code: 'receipt.unknown_key', reason: `receipt signed by unknown key ${JSON.stringify(keyId)}`, keyId };
    if (believed(published, encoded, keys)) return { ok: true, keyId };
  }
  const event = fromBinary(DecisionEventSchema, encoded);
  return { ...judgeDecisionEvent(event, keys, encoded), keyId: event.receipt?.keyId ?? '' };
}

/** True when `judgePublishedDecision` believes the decision on its bytes alone; false: it decodes the event to judge it. */
export function believedAsPublished(encoded: Uint8Array, keys: TenantReceiptKeys): boolean {
  const published = readPublished(encoded);
  return published !== undefined && keys.has(published.keyId) && believed(published, encoded, keys);
}

/** DecisionEvent's fields read here. */
const E_ENFORCER = 16;
const E_RECEIPT = 19;

/** Receipt's fields (decision.proto). */
const R = {
  decisionId: 1,
  outcome: 2,
  reasons: 3,
  policyVersion: 4,
  decidedAt: 5,
  enforcerId: 6,
  keyId: 7,
  signature: 8,
  policyHash: 9,
  tenantId: 10,
  agentId: 11,
  tool: 12,
  argumentsDigest: 13,
  requestId: 14,
  configVersion: 15,
  version: 16,
  batchSize: 17,
  batchIndex: 18,
  batchPath: 19,
  eventDigest: 20,
} as const;
const LAST_FIELD = 20;

/** An event's receipt as its bytes spell it: byte ranges of `receipt` for strings and bytes. */
interface Published {
  enforcerId: string;
  /** The receipt record, tag and length included, in the event's bytes. */
  recordStart: number;
  recordEnd: number;
  receipt: Uint8Array;
  keyId: string;
  /** [start, end) of each length-delimited field's last occurrence, by field number; -1 when absent. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** [start, end) pairs of each reason and each path hash. */
  readonly reasons: number[];
  readonly path: number[];
  outcome: number;
  policyVersion: bigint | string;
  configVersion: bigint | string;
  version: number;
  batchSize: number;
  batchIndex: number;
  seconds: bigint | string;
  nanos: number;
  decidedAtRead: boolean;
}

// One event is judged at a time, start to end: the scratch is reused.
const scratch: Published = {
  enforcerId: '',
  recordStart: 0,
  recordEnd: 0,
  receipt: new Uint8Array(0),
  keyId: '',
  starts: new Int32Array(LAST_FIELD + 1),
  ends: new Int32Array(LAST_FIELD + 1),
  reasons: [],
  path: [],
  outcome: 0,
  policyVersion: 0n,
  configVersion: 0n,
  version: 0,
  batchSize: 0,
  batchIndex: 0,
  seconds: 0n,
  nanos: 0,
  decidedAtRead: false,
};

/** The event's enforcer and its one receipt record, read; undefined for anything else (then decoded). */
function readPublished(encoded: Uint8Array): Published | undefined {
  const p = scratch;
  p.enforcerId = '';
  let receipts = 0;
  try {
    const reader = new BinaryReader(encoded);
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const [field, wireType] = reader.tag();
      if (field === E_ENFORCER || field === E_RECEIPT) {
        if (wireType !== WireType.LengthDelimited) return undefined;
        if (field === E_ENFORCER) {
          p.enforcerId = reader.string();
        } else {
          p.receipt = reader.bytes();
          p.recordStart = start;
          p.recordEnd = reader.pos;
          receipts++;
        }
        continue;
      }
      reader.skip(wireType, field);
    }
    if (reader.pos !== reader.len || receipts !== 1) return undefined;
    return readReceipt(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** Fields of a Receipt read as varints. */
const VARINT = new Set<number>([R.outcome, R.policyVersion, R.configVersion, R.version, R.batchSize, R.batchIndex]);

function readReceipt(p: Published): boolean {
  p.starts.fill(-1);
  p.ends.fill(-1);
  p.reasons.length = 0;
  p.path.length = 0;
  p.outcome = p.version = p.batchSize = p.batchIndex = p.nanos = 0;
  p.policyVersion = p.configVersion = p.seconds = 0n;
  p.decidedAtRead = false;
  const reader = new BinaryReader(p.receipt);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field > LAST_FIELD) {
      reader.skip(wireType, field);
      continue;
    }
    if (VARINT.has(field)) {
      if (wireType !== WireType.Varint) return false;
      if (field === R.outcome) p.outcome = reader.int32();
      else if (field === R.policyVersion) p.policyVersion = reader.uint64();
      else if (field === R.configVersion) p.configVersion = reader.uint64();
      else if (field === R.version) p.version = reader.uint32();
      else if (field === R.batchSize) p.batchSize = reader.uint32();
      else p.batchIndex = reader.uint32();
      continue;
    }
    if (wireType !== WireType.LengthDelimited) return false;
    const value = reader.bytes();
    const start = value.byteOffset - p.receipt.byteOffset;
    const end = start + value.length;
    if (field === R.reasons) p.reasons.push(start, end);
    else if (field === R.batchPath) p.path.push(start, end);
    else if (field === R.decidedAt) {
      // A second occurrence merges into the first: left to the decoder.
      if (p.decidedAtRead || !readTimestamp(value, p)) return false;
      p.decidedAtRead = true;
    } else {
      p.starts[field] = start;
      p.ends[field] = end;
    }
  }
  const keyId = p.starts[R.keyId]!;
  p.keyId = keyId < 0 ? '' : utf8.decode(p.receipt.subarray(keyId, p.ends[R.keyId]!));
  return true;
}

function readTimestamp(bytes: Uint8Array, p: Published): boolean {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 || field === 2) {
      if (wireType !== WireType.Varint) return false;
      if (field === 1) p.seconds = reader.int64();
      else p.nanos = reader.int32();
    } else reader.skip(wireType, field);
  }
  return true;
}

/** As protobuf-es decodes strings. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The checks of judgeDecisionEvent on a version 3 receipt, on the bytes; false: not believed this way. */
function believed(p: Published, encoded: Uint8Array, keys: TenantReceiptKeys): boolean {
  if (p.version !== 3) return false;
  if (!digestIs(encoded, p)) return false;
  const path: Uint8Array[] = [];
  for (let i = 0; i < p.path.length; i += 2) path.push(p.receipt.subarray(p.path[i], p.path[i + 1]));
  const root = rootFromInclusionProof(p.batchIndex, p.batchSize, leafHash(leafEntry(p)), path);
  if (!root.ok) return false;
  const signature = bytesAt(p, R.signature);
  if (!keys.keyring.get(p.keyId)!.verify(receiptBatchSigningPayload(p.keyId, p.batchSize, root.value, 3), signature)) return false;
  return keys.announcedBy(p.keyId, p.enforcerId);
}

function bytesAt(p: Published, field: number): Uint8Array {
  const start = p.starts[field]!;
  return start < 0 ? EMPTY : p.receipt.subarray(start, p.ends[field]!);
}

const EMPTY = new Uint8Array(0);

/** Whether the receipt's event_digest is the digest of the event's bytes without the receipt record (decisionEventDigest). */
function digestIs(encoded: Uint8Array, p: Published): boolean {
  const start = p.starts[R.eventDigest]!;
  if (start < 0 || p.ends[R.eventDigest]! - start !== 2 * HASH_SIZE) return false;
  const rest = encoded.length - (p.recordEnd - p.recordStart);
  const input = rest <= digestInput.length ? digestInput.subarray(0, rest) : new Uint8Array(rest);
  input.set(encoded.subarray(0, p.recordStart), 0);
  input.set(encoded.subarray(p.recordEnd), p.recordStart);
  const digest = hash('sha256', input, 'hex');
  const r = p.receipt;
  for (let i = 0; i < digest.length; i++) if (r[start + i] !== digest.charCodeAt(i)) return false;
  return true;
}
const digestInput = new Uint8Array(16_384);

/**
 * receiptLeafPayload of the receipt, version 3, written from its bytes: `<name> <n>:<value>\n`
 * lines whose values are the fields' own UTF-8 bytes, n their length.
 */
function leafEntry(p: Published): Uint8Array {
  const w = entry;
  w.reset();
  w.ascii('thoth.receipt.v3\n');
  w.field('decision_id', p, R.decisionId);
  w.field('request_id', p, R.requestId);
  w.field('tenant_id', p, R.tenantId);
  w.field('agent_id', p, R.agentId);
  w.field('tool', p, R.tool);
  w.field('arguments_digest', p, R.argumentsDigest);
  w.text('outcome', Outcome[p.outcome] ?? 'UNSPECIFIED');
  w.ascii(`reasons ${p.reasons.length / 2}:\n`);
  for (let i = 0; i < p.reasons.length; i += 2) w.line('reason', p.receipt, p.reasons[i]!, p.reasons[i + 1]!);
  w.text('policy_version', p.policyVersion.toString());
  w.field('policy_hash', p, R.policyHash);
  w.text('config_version', p.configVersion.toString());
  w.text('decided_at', `${p.seconds}.${String(p.nanos).padStart(9, '0')}`);
  w.field('enforcer_id', p, R.enforcerId);
  w.field('key_id', p, R.keyId);
  w.field('event_digest', p, R.eventDigest);
  return w.written();
}

/** The leaf entry being written, in one buffer reused from event to event. */
const entry = new (class EntryWriter {
  #buf = new Uint8Array(4096);
  #pos = 0;

  reset(): void {
    this.#pos = 0;
  }

  written(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** A line whose value is ASCII text (names, decimals). */
  text(name: string, value: string): void {
    this.ascii(`${name} ${value.length}:${value}\n`);
  }

  /** A line whose value is a length-delimited field of the receipt (empty when absent). */
  field(name: string, p: Published, field: number): void {
    const start = p.starts[field]!;
    if (start < 0) this.ascii(`${name} 0:\n`);
    else this.line(name, p.receipt, start, p.ends[field]!);
  }

  line(name: string, from: Uint8Array, start: number, end: number): void {
    this.ascii(`${name} ${end - start}:`);
    this.#ensure(end - start + 1);
    this.#buf.set(from.subarray(start, end), this.#pos);
    this.#pos += end - start;
    this.#buf[this.#pos++] = 0x0a;
  }

  ascii(text: string): void {
    this.#ensure(text.length);
    const b = this.#buf;
    for (let i = 0; i < text.length; i++) b[this.#pos + i] = text.charCodeAt(i);
    this.#pos += text.length;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(2 * this.#buf.length, this.#pos + n));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }
})();
