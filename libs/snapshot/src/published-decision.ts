import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { DecisionEventSchema, Outcome } from '@thoth/contracts';
import { HASH_SIZE, equalBytes, leafHash, ProvenTree, rootFromInclusionProof } from '@thoth/merkle';
import { hash } from 'node:crypto';
import { judgeDecisionEvent, type DecisionVerdict, type TenantReceiptKeys } from './decision-trust.js';
import type { Verifier } from './keys.js';
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
  const bytes = plain(encoded);
  const published = readPublished(bytes);
  if (published !== undefined) {
    const { keyId } = published;
    if (!keys.has(keyId)) return { ok: false, code: 'receipt.unknown_key', reason: `receipt signed by unknown key ${JSON.stringify(keyId)}`, keyId };
    if (believed(published, bytes, keys)) return { ok: true, keyId };
  }
  const event = fromBinary(DecisionEventSchema, encoded);
  return { ...judgeDecisionEvent(event, keys, encoded), keyId: event.receipt?.keyId ?? '' };
}

/** True when `judgePublishedDecision` believes the decision on its bytes alone; false: it decodes the event to judge it. */
export function believedAsPublished(encoded: Uint8Array, keys: TenantReceiptKeys): boolean {
  const bytes = plain(encoded);
  const published = readPublished(bytes);
  return published !== undefined && keys.has(published.keyId) && believed(published, bytes, keys);
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
function readPublished(bytes: Uint8Array): Published | undefined {
  const p = scratch;
  p.enforcerId = '';
  let receipts = 0;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const [field, wireType] = reader.tag();
      if (wireType !== WireType.LengthDelimited) {
        if (field === E_ENFORCER || field === E_RECEIPT) return undefined;
        reader.skip(wireType, field);
        continue;
      }
      if (field === E_ENFORCER) {
        p.enforcerId = reader.string();
        continue;
      }
      const length = reader.uint32();
      const at = reader.pos;
      if ((reader.pos += length) > reader.len) return undefined;
      if (field === E_RECEIPT) {
        p.receipt = bytes.subarray(at, reader.pos);
        p.recordStart = start;
        p.recordEnd = reader.pos;
        receipts++;
      }
    }
    if (reader.pos !== reader.len || receipts !== 1) return undefined;
    return readReceipt(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** A plain view of a Buffer (a Kafka message's value): each of its subarrays would cost a Buffer. */
const plain = (bytes: Uint8Array) => (Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);

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
    switch (field) {
      case R.outcome:
      case R.policyVersion:
      case R.configVersion:
      case R.version:
      case R.batchSize:
      case R.batchIndex:
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
    const length = reader.uint32();
    const start = reader.pos;
    const end = (reader.pos += length);
    if (end > reader.len) return false;
    if (field === R.reasons) p.reasons.push(start, end);
    else if (field === R.batchPath) p.path.push(start, end);
    else if (field === R.decidedAt) {
      // A second occurrence merges into the first: left to the decoder.
      if (p.decidedAtRead || !readTimestamp(p.receipt.subarray(start, end), p)) return false;
      p.decidedAtRead = true;
    } else {
      p.starts[field] = start;
      p.ends[field] = end;
    }
  }
  p.keyId = keyIdOf(p);
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

/** The key id, decoded once for a run of events of the same key (a peer's whole stream). */
function keyIdOf(p: Published): string {
  const start = p.starts[R.keyId]!;
  if (start < 0) return '';
  const bytes = p.receipt.subarray(start, p.ends[R.keyId]!);
  if (!equalBytes(bytes, lastKeyId.bytes)) lastKeyId = { bytes: bytes.slice(), text: utf8.decode(bytes) };
  return lastKeyId.text;
}
let lastKeyId = { bytes: new Uint8Array(0), text: '' };

/** The checks of judgeDecisionEvent on a version 3 receipt, on the bytes; false: not believed this way. */
function believed(p: Published, encoded: Uint8Array, keys: TenantReceiptKeys): boolean {
  if (p.version !== 3) return false;
  if (!digestIs(encoded, p)) return false;
  const path: Uint8Array[] = [];
  for (let i = 0; i < p.path.length; i += 2) path.push(p.receipt.subarray(p.path[i], p.path[i + 1]));
  const leaf = leafHash(leafEntry(p));
  const verifier = keys.keyring.get(p.keyId)!;
  const signature = bytesAt(p, R.signature);
  const batches = batchesOf(verifier);
  const batch = `${p.batchSize} ${Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1')}`;
  const proven = batches.get(batch);
  if (proven === undefined || !proven.proves(p.batchIndex, leaf, path)) {
    const root = rootFromInclusionProof(p.batchIndex, p.batchSize, leaf, path);
    if (!root.ok) return false;
    if (!verifier.verify(receiptBatchSigningPayload(p.keyId, p.batchSize, root.value, 3), signature)) return false;
    if (proven === undefined) remember(batches, batch, new ProvenTree(p.batchSize, root.value)).proves(p.batchIndex, leaf, path);
  }
  return keys.announcedBy(p.keyId, p.enforcerId);
}

/**
 * The batches each key signed whose root was verified, by batch size and signature (version 3: the
 * signed payload is the key, the size and the root): a further receipt of one is checked against the
 * nodes its batch's verified receipts passed through (ProvenTree), without the signature. Kept by
 * verifier, the key the tenant's keys hold; the last BATCHES_KEPT batches of each.
 */
const provenBatches = new WeakMap<Verifier, Map<string, ProvenTree>>();
const BATCHES_KEPT = 256;

function batchesOf(verifier: Verifier): Map<string, ProvenTree> {
  let batches = provenBatches.get(verifier);
  if (batches === undefined) provenBatches.set(verifier, (batches = new Map()));
  return batches;
}

function remember(batches: Map<string, ProvenTree>, batch: string, tree: ProvenTree): ProvenTree {
  if (batches.size >= BATCHES_KEPT) batches.delete(batches.keys().next().value!);
  batches.set(batch, tree);
  return tree;
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
  w.bytes(NAME.header);
  w.field(NAME.decision_id, p, R.decisionId);
  w.field(NAME.request_id, p, R.requestId);
  w.field(NAME.tenant_id, p, R.tenantId);
  w.field(NAME.agent_id, p, R.agentId);
  w.field(NAME.tool, p, R.tool);
  w.field(NAME.arguments_digest, p, R.argumentsDigest);
  w.text(NAME.outcome, Outcome[p.outcome] ?? 'UNSPECIFIED');
  w.bytes(NAME.reasons);
  w.decimal(p.reasons.length / 2);
  w.ascii(':\n');
  for (let i = 0; i < p.reasons.length; i += 2) w.line(NAME.reason, p.receipt, p.reasons[i]!, p.reasons[i + 1]!);
  w.text(NAME.policy_version, p.policyVersion.toString());
  w.field(NAME.policy_hash, p, R.policyHash);
  w.text(NAME.config_version, p.configVersion.toString());
  w.text(NAME.decided_at, `${p.seconds}.${String(p.nanos).padStart(9, '0')}`);
  w.field(NAME.enforcer_id, p, R.enforcerId);
  w.field(NAME.key_id, p, R.keyId);
  w.field(NAME.event_digest, p, R.eventDigest);
  return w.written();
}

/** `<name> ` of each line, and the first line. */
const NAME = Object.fromEntries(
  [
    ...['decision_id', 'request_id', 'tenant_id', 'agent_id', 'tool', 'arguments_digest', 'outcome', 'reasons', 'reason'],
    ...['policy_version', 'policy_hash', 'config_version', 'decided_at', 'enforcer_id', 'key_id', 'event_digest'],
  ]
    .map((n) => [n, new TextEncoder().encode(`${n} `)])
    .concat([['header', new TextEncoder().encode('thoth.receipt.v3\n')]]),
) as Record<
  | 'header'
  | 'decision_id'
  | 'request_id'
  | 'tenant_id'
  | 'agent_id'
  | 'tool'
  | 'arguments_digest'
  | 'outcome'
  | 'reasons'
  | 'reason'
  | 'policy_version'
  | 'policy_hash'
  | 'config_version'
  | 'decided_at'
  | 'enforcer_id'
  | 'key_id'
  | 'event_digest',
  Uint8Array
>;

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
  text(name: Uint8Array, value: string): void {
    this.bytes(name);
    this.decimal(value.length);
    this.ascii(':');
    this.ascii(value);
    this.ascii('\n');
  }

  /** A line whose value is a length-delimited field of the receipt (empty when absent). */
  field(name: Uint8Array, p: Published, field: number): void {
    const start = p.starts[field]!;
    if (start < 0) this.line(name, p.receipt, 0, 0);
    else this.line(name, p.receipt, start, p.ends[field]!);
  }

  line(name: Uint8Array, from: Uint8Array, start: number, end: number): void {
    this.bytes(name);
    this.decimal(end - start);
    this.#ensure(end - start + 2);
    this.#buf[this.#pos++] = 0x3a; // ':'
    this.#buf.set(from.subarray(start, end), this.#pos);
    this.#pos += end - start;
    this.#buf[this.#pos++] = 0x0a;
  }

  bytes(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  decimal(n: number): void {
    if (n >= 10) this.decimal(Math.floor(n / 10));
    this.#ensure(1);
    this.#buf[this.#pos++] = 0x30 + (n % 10);
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
