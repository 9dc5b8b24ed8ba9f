import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { Outcome, ReceiptSchema, type Receipt } from '@thoth/contracts';
import { HASH_SIZE, equalBytes, leafHash, rootFromInclusionProof } from '@thoth/merkle';
import { hash } from 'node:crypto';
import type { Keyring, Signer } from './keys.js';

/**
 * Decision receipts: one per decision, verifiable offline with the enforcer's public key
 * (`verifyReceipt`). Three versions, told apart by Receipt.receipt_version:
 *
 * **Version 1** (receipt_version 0 or 1): Receipt.signature is Ed25519 over the receipt's
 * own signing payload (`receiptSigningPayload`). Language-neutral on purpose: the ledger
 * and the offline verifier rebuild it from the Receipt message alone.
 *
 *   thoth.receipt.v1\n
 *   then one line per field, in this order, each `<name> <n>:<value>\n` where <value>
 *   is UTF-8 and <n> its length in bytes (so values may hold any character, newlines too):
 *     decision_id, request_id, tenant_id, agent_id, tool, arguments_digest,
 *     outcome            ALLOW | DENY | WOULD_DENY | APPROVAL_REQUIRED | UNSPECIFIED
 *     reasons            <n> is the number of reasons; each follows as `reason <n>:<value>\n`
 *     policy_version     decimal
 *     policy_hash
 *     config_version     decimal
 *     decided_at         `<unix seconds>.<nanoseconds, 9 digits>` (UTC)
 *     enforcer_id, key_id
 *
 * **Version 2** (receipt_version 2, batch-signed): an enforcer under load answers many
 * decisions per turn of its event loop; signing each costs ~35 µs of CPU. Instead, the
 * receipts of one batch (those answered in one short window, at most a bounded number) are
 * the leaves of an RFC 9162 Merkle tree, and the enforcer signs the tree's root once:
 *
 *   leaf entry   `receiptLeafPayload`: the v1 payload text with first line
 *                `thoth.receipt.v2\n` instead of `thoth.receipt.v1\n` (same fields, same order)
 *   leaf hash    SHA-256(0x00 ‖ leaf entry)                 (RFC 9162 §2.1.1, libs/merkle)
 *   batch root   MTH of the batch's leaf entries in batch order
 *   signature    Ed25519 with key_id's key over `receiptBatchSigningPayload`:
 *                  thoth.receipt.batch.v2\n
 *                  key_id <n>:<key id>\n
 *                  batch_size <n>:<decimal>\n
 *                  root <n>:<lowercase hex of the 32-byte batch root>\n
 *
 * Each receipt carries that one signature, batch_size, batch_index (its leaf index) and
 * batch_path (the RFC 9162 inclusion path from its leaf hash to the root; empty for a batch
 * of 1, whose root is its own leaf hash). A verifier recomputes the leaf hash from the
 * receipt's fields, folds the path into a root, and checks the signature over that root and
 * batch_size: changing any field, the path, the index, the size or the signature breaks it,
 * and a receipt cannot be presented as part of another batch (it would need a path to that
 * batch's root). The first lines (`thoth.receipt.v1`, `thoth.receipt.v2`,
 * `thoth.receipt.batch.v2`) keep the three signed or hashed texts from ever being confused.
 *
 * **Version 3** (receipt_version 3, batch-signed; what enforcers issue): versions 1 and 2 sign
 * only the receipt's fields, yet consumers read the event's resource, credential, source,
 * rules' kinds and severities, error code and retained arguments. A version 3 receipt also
 * carries event_digest, the digest of its whole DecisionEvent (`decisionEventDigest`,
 * event-digest.ts), and is batch-signed as version 2 with other first lines:
 *
 *   leaf entry   `thoth.receipt.v3\n`, the version 2 lines, then `event_digest <n>:<hex>\n`
 *   signature    over `thoth.receipt.batch.v3\n` and the same key_id, batch_size, root lines
 *
 * key_id names the enforcer's key: `ed25519:` + the first 16 hex digits of SHA-256 of the
 * raw public key.
 */
export function receiptSigningPayload(receipt: Receipt): Uint8Array {
  return Buffer.from(payloadText('thoth.receipt.v1\n', receipt), 'utf8');
}

/** The leaf entry of a batch-signed receipt (version 2, or 3 with its event digest); see the module comment. */
export function receiptLeafPayload(receipt: Receipt): Uint8Array {
  const text = receipt.receiptVersion === 3 ? leafTextV3(receipt) : payloadText('thoth.receipt.v2\n', receipt);
  return Buffer.from(text, 'utf8');
}

const leafTextV3 = (receipt: Receipt) => payloadText('thoth.receipt.v3\n', receipt) + field('event_digest', receipt.eventDigest);

/** What a batch signature (version 2 or 3) covers: key id, batch size and the batch's Merkle root. */
export function receiptBatchSigningPayload(keyId: string, batchSize: number, root: Uint8Array, version: 2 | 3 = 2): Uint8Array {
  const hex = Buffer.from(root.buffer, root.byteOffset, root.byteLength).toString('hex');
  return Buffer.from(`thoth.receipt.batch.v${version}\n${field('key_id', keyId)}${field('batch_size', String(batchSize))}${field('root', hex)}`, 'utf8');
}

const field = (name: string, value: string) => `${name} ${Buffer.byteLength(value, 'utf8')}:${value}\n`;

function payloadText(header: string, receipt: Receipt): string {
  const seconds = receipt.decidedAt?.seconds ?? 0n;
  const nanos = receipt.decidedAt?.nanos ?? 0;
  let text = header;
  text += field('decision_id', receipt.decisionId);
  text += field('request_id', receipt.requestId);
  text += field('tenant_id', receipt.tenantId);
  text += field('agent_id', receipt.agentId);
  text += field('tool', receipt.tool);
  text += field('arguments_digest', receipt.argumentsDigest);
  text += field('outcome', Outcome[receipt.outcome] ?? 'UNSPECIFIED');
  text += `reasons ${receipt.reasons.length}:\n`;
  for (const reason of receipt.reasons) text += field('reason', reason);
  text += field('policy_version', receipt.policyVersion.toString());
  text += field('policy_hash', receipt.policyHash);
  text += field('config_version', receipt.configVersion.toString());
  text += field('decided_at', `${seconds}.${String(nanos).padStart(9, '0')}`);
  text += field('enforcer_id', receipt.enforcerId);
  text += field('key_id', receipt.keyId);
  return text;
}

/** Sets key_id and signs (version 1); the given signature, if any, is replaced. */
export function signReceipt(init: MessageInitShape<typeof ReceiptSchema>, signer: Signer): Receipt {
  const receipt = create(ReceiptSchema, { ...init, keyId: signer.keyId, signature: new Uint8Array(0) });
  receipt.signature = signer.sign(receiptSigningPayload(receipt));
  return receipt;
}

/**
 * A version 3 receipt not yet signed: key_id and receipt_version set, to be completed by
 * `signReceiptBatch` (its leaf hash is computed now, while the fields are at hand).
 */
export interface PendingReceipt {
  readonly receipt: Receipt;
  readonly leaf: Uint8Array;
}

/** `init` names its event's digest (`decisionEventDigest`). */
export function pendingReceipt(init: MessageInitShape<typeof ReceiptSchema>, signer: Pick<Signer, 'keyId'>): PendingReceipt {
  const receipt = create(ReceiptSchema, { ...init, keyId: signer.keyId, receiptVersion: 3, signature: new Uint8Array(0) });
  // = leafHash(receiptLeafPayload(receipt)) of libs/merkle (RFC 9162: SHA-256 of 0x00 ‖ entry),
  // in one call on the hot path; the tests check the two agree.
  return { receipt, leaf: sha256(`\u0000${leafTextV3(receipt)}`) };
}

/** The receipt fields every decision on one tenant config shares, on one enforcer. */
export interface ReceiptCommon {
  readonly policyVersion: bigint;
  readonly policyHash: string;
  readonly configVersion: bigint;
  readonly enforcerId: string;
}

/** The receipt fields that are one decision's own. */
export interface ReceiptDecision {
  readonly decisionId: string;
  readonly requestId: string;
  readonly tenantId: string;
  readonly agentId: string;
  readonly tool: string;
  readonly argumentsDigest: string;
  readonly outcome: Outcome;
  readonly reasons: string[];
  readonly decidedAt: Timestamp;
  /** `decisionEventDigest` of the decision's event. */
  readonly eventDigest: string;
}

/**
 * Makes the receipts of one tenant config on one enforcer, the hot-path equivalent of
 * `pendingReceipt` (same receipts, same leaf hashes: the tests compare them):
 * the payload lines the decisions share (policy and config versions, policy hash, enforcer,
 * key) are written once, and the Receipt is built without protobuf-es reflection. Keep one
 * per activated tenant config.
 */
export class ReceiptIssuer {
  readonly #common: ReceiptCommon;
  readonly #keyId: string;
  /** policy_version … config_version lines, UTF-8. */
  readonly #middle: Buffer;
  /** enforcer_id, key_id and the event_digest line's name, UTF-8. */
  readonly #end: Buffer;

  constructor(common: ReceiptCommon, signer: Pick<Signer, 'keyId'>) {
    this.#common = { policyVersion: common.policyVersion, policyHash: common.policyHash, configVersion: common.configVersion, enforcerId: common.enforcerId };
    this.#keyId = signer.keyId;
    this.#middle = Buffer.from(field('policy_version', common.policyVersion.toString()) + field('policy_hash', common.policyHash) + field('config_version', common.configVersion.toString()), 'utf8');
    this.#end = Buffer.from(`${field('enforcer_id', common.enforcerId)}${field('key_id', signer.keyId)}event_digest `, 'utf8');
  }

  /** A version 3 receipt, to be signed with its batch (`signReceiptBatch`). */
  pending(decision: ReceiptDecision): PendingReceipt {
    const receipt = this.#receipt(decision);
    // The leaf entry (0x00 ‖ receiptLeafPayload) is written into one reused buffer and hashed
    // from there: no string is built for it.
    const t = leafText;
    t.start();
    t.field(LINE.decision_id, decision.decisionId);
    t.field(LINE.request_id, decision.requestId);
    t.field(LINE.tenant_id, decision.tenantId);
    t.field(LINE.agent_id, decision.agentId);
    t.field(LINE.tool, decision.tool);
    t.field(LINE.arguments_digest, decision.argumentsDigest);
    t.field(LINE.outcome, Outcome[decision.outcome] ?? 'UNSPECIFIED');
    t.count(LINE.reasons, decision.reasons.length);
    for (const reason of decision.reasons) t.field(LINE.reason, reason);
    t.bytes(this.#middle);
    t.field(LINE.decided_at, `${decision.decidedAt.seconds}.${String(decision.decidedAt.nanos).padStart(9, '0')}`);
    t.bytes(this.#end);
    t.value(decision.eventDigest);
    return { receipt, leaf: t.sha256() };
  }

  #receipt(d: ReceiptDecision): Receipt {
    const c = this.#common;
    // Every field of the message, so a field added to Receipt fails to compile here.
    return {
      $typeName: 'thoth.decision.v1.Receipt',
      decisionId: d.decisionId,
      outcome: d.outcome,
      reasons: d.reasons,
      policyVersion: c.policyVersion,
      decidedAt: d.decidedAt,
      enforcerId: c.enforcerId,
      keyId: this.#keyId,
      signature: EMPTY,
      policyHash: c.policyHash,
      tenantId: d.tenantId,
      agentId: d.agentId,
      tool: d.tool,
      argumentsDigest: d.argumentsDigest,
      requestId: d.requestId,
      configVersion: c.configVersion,
      receiptVersion: 3,
      batchSize: 0,
      batchIndex: 0,
      batchPath: [],
      eventDigest: d.eventDigest,
    };
  }
}

/** `<name> ` of each payload line, UTF-8. */
const LINE = Object.fromEntries(
  ['decision_id', 'request_id', 'tenant_id', 'agent_id', 'tool', 'arguments_digest', 'outcome', 'reasons', 'reason', 'decided_at'].map((n) => [n, Buffer.from(`${n} `)]),
) as Record<'decision_id' | 'request_id' | 'tenant_id' | 'agent_id' | 'tool' | 'arguments_digest' | 'outcome' | 'reasons' | 'reason' | 'decided_at', Buffer>;

/** The leaf entry being written: `0x00 thoth.receipt.v3\n` then `<name> <n>:<value>\n` lines. */
const leafText = new (class LeafText {
  #buf = Buffer.allocUnsafe(4096);
  #pos = 0;
  static readonly HEADER = Buffer.from('\u0000thoth.receipt.v3\n', 'utf8');

  start(): void {
    this.#pos = 0;
    this.bytes(LeafText.HEADER);
  }

  bytes(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** `<name><n>:\n` — the reasons count line. */
  count(name: Buffer, n: number): void {
    this.bytes(name);
    this.#ascii(`${n}:\n`);
  }

  /** `<name><n>:<value>\n`, n the UTF-8 length of value. */
  field(name: Buffer, value: string): void {
    this.bytes(name);
    this.value(value);
  }

  /** `<n>:<value>\n`, after a name already written. */
  value(value: string): void {
    const n = value.length;
    // ASCII (nearly always): the byte length is the string length, copied as we check.
    this.#ensure(12 + 3 * n);
    const digits = decimalDigits(n);
    const at = this.#pos + digits + 1;
    const b = this.#buf;
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      b[at + i] = c;
    }
    if (i === n) {
      this.#ascii(`${n}:`);
      this.#pos += n;
    } else {
      this.#ascii(`${Buffer.byteLength(value, 'utf8')}:`);
      this.#pos += b.write(value, this.#pos, 'utf8');
    }
    this.#ensure(1);
    this.#buf[this.#pos++] = 0x0a;
  }

  sha256(): Uint8Array {
    return sha256(this.#buf.subarray(0, this.#pos));
  }

  #ascii(text: string): void {
    this.#ensure(text.length);
    const b = this.#buf;
    for (let i = 0; i < text.length; i++) b[this.#pos + i] = text.charCodeAt(i);
    this.#pos += text.length;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.#buf.length, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }
})();

const decimalDigits = (n: number) => (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : String(n).length);

const EMPTY = new Uint8Array(0);

/**
 * SHA-256 as 32 bytes. Read as a latin1 ('binary') string and copied: a 'buffer' digest costs a native
 * ArrayBuffer per call (about 1 µs, twice per decision here), a 32-byte Uint8Array made in
 * JavaScript lives on the V8 heap.
 */
const sha256 = (data: string | Uint8Array): Uint8Array => {
  const digest = hash('sha256', data, 'binary'); // latin1: one char per byte
  const out = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < HASH_SIZE; i++) out[i] = digest.charCodeAt(i);
  return out;
};

const NODE_PREFIX = new Uint8Array([0x01]);

/** RFC 9162 interior node, as libs/merkle's nodeHash: SHA-256(0x01 ‖ left ‖ right). */
function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = nodeInput; // hashed before the next call reuses it
  input.set(left, 1);
  input.set(right, 1 + HASH_SIZE);
  return sha256(input);
}
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput.set(NODE_PREFIX, 0);

/**
 * Signs a batch of version 3 receipts with one Ed25519 signature over their Merkle root,
 * filling in each receipt's signature, batch_size, batch_index and batch_path. Returns the root.
 */
export function signReceiptBatch(batch: readonly PendingReceipt[], signer: Signer): Uint8Array {
  const size = batch.length;
  if (size === 0) throw new Error('an empty receipt batch has nothing to sign');
  if (batch.some((p) => p.receipt.receiptVersion !== 3)) throw new Error('only version 3 receipts are batch-signed');
  // Level by level; an unpaired last node moves up unchanged, which builds exactly the
  // RFC 9162 tree (left subtree = the largest power of two below the size).
  const levels: Uint8Array[][] = [batch.map((p) => p.leaf)];
  for (let level = levels[0]!; level.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    levels.push(next);
    level = next;
  }
  const root = levels[levels.length - 1]![0]!;
  const signature = signer.sign(receiptBatchSigningPayload(signer.keyId, size, root, 3));
  for (let index = 0; index < size; index++) {
    const path: Uint8Array[] = [];
    let at = index;
    for (let l = 0; l < levels.length - 1; l++) {
      const sibling = at ^ 1;
      if (sibling < levels[l]!.length) path.push(levels[l]![sibling]!);
      at >>= 1;
    }
    const { receipt } = batch[index]!;
    receipt.batchSize = size;
    receipt.batchIndex = index;
    receipt.batchPath = path;
    receipt.signature = signature;
  }
  return root;
}

export type ReceiptCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'BAD_BATCH_PROOF' | 'UNKNOWN_VERSION'; readonly message: string };

/** Verifies a receipt of either version offline, with the enforcer keys one trusts. */
export function verifyReceipt(receipt: Receipt, trusted: Keyring): ReceiptCheck {
  const verifier = trusted.get(receipt.keyId);
  if (!verifier) return { ok: false, code: 'UNKNOWN_KEY', message: `receipt signed by unknown key ${JSON.stringify(receipt.keyId)}` };
  const version = receipt.receiptVersion ?? 0;
  if (version === 0 || version === 1) {
    if (receipt.batchSize || receipt.batchIndex || (receipt.batchPath?.length ?? 0) > 0) {
      return { ok: false, code: 'BAD_BATCH_PROOF', message: 'a version 1 receipt carries no batch fields' };
    }
    if (!verifier.verify(receiptSigningPayload(receipt), receipt.signature)) {
      return { ok: false, code: 'BAD_SIGNATURE', message: `receipt signature does not verify with key ${receipt.keyId}` };
    }
    return { ok: true };
  }
  if (version !== 2 && version !== 3) return { ok: false, code: 'UNKNOWN_VERSION', message: `receipt version ${version} is not known to this verifier` };
  const path = receipt.batchPath ?? [];
  if (path.some((p) => p.length !== HASH_SIZE)) return { ok: false, code: 'BAD_BATCH_PROOF', message: `a batch path hash is not ${HASH_SIZE} bytes` };
  const root = rootFromInclusionProof(receipt.batchIndex, receipt.batchSize, leafHash(receiptLeafPayload(receipt)), path);
  if (!root.ok) return { ok: false, code: 'BAD_BATCH_PROOF', message: `batch inclusion path: ${root.reason}` };
  if (!verifier.verify(receiptBatchSigningPayload(receipt.keyId, receipt.batchSize, root.value, version), receipt.signature)) {
    return { ok: false, code: 'BAD_SIGNATURE', message: `batch signature does not verify with key ${receipt.keyId}` };
  }
  return { ok: true };
}

/** True when both receipts were signed in the same batch (same version, signature and size). */
export function sameReceiptBatch(a: Receipt, b: Receipt): boolean {
  return a.receiptVersion >= 2 && a.receiptVersion === b.receiptVersion && a.batchSize === b.batchSize && equalBytes(a.signature, b.signature);
}
