import { create, equals, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { Outcome, ReceiptSchema, type Receipt } from '@thoth/contracts';
import { leafHash, merkleTreeHash } from '@thoth/merkle';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ReceiptIssuer,
  generateSigningKey,
  keyring,
  pendingReceipt,
  receiptBatchSigningPayload,
  receiptLeafPayload,
  receiptSigningPayload,
  sameReceiptBatch,
  signReceipt,
  signReceiptBatch,
  signerFromSeed,
  verifierFromPublicKey,
  verifyReceipt,
} from './index.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);

const init = (i: number): MessageInitShape<typeof ReceiptSchema> => ({
  decisionId: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`,
  requestId: `r${i}`,
  tenantId: 't1',
  agentId: 'a',
  tool: 'db.drop',
  argumentsDigest: 'cd'.repeat(32),
  outcome: i % 2 ? Outcome.ALLOW : Outcome.DENY,
  reasons: ['no-drop: line one\nline two', 'é'],
  policyVersion: 1n,
  policyHash: 'ef'.repeat(32),
  configVersion: 3n,
  decidedAt: { seconds: 1_700_000_000n, nanos: i },
  enforcerId: 'enf-1',
  eventDigest: '0a'.repeat(32),
});

function batch(size: number, offset = 0): Receipt[] {
  const pending = Array.from({ length: size }, (_, i) => pendingReceipt(init(offset + i), signer));
  signReceiptBatch(pending, signer);
  return pending.map((p) => p.receipt);
}

/** Round trip through the wire, as a verifier elsewhere would receive it. */
const wire = (r: Receipt): Uint8Array => toBinary(ReceiptSchema, r);
const decode = (bytes: Uint8Array): Receipt | undefined => {
  try {
    return fromBinary(ReceiptSchema, bytes);
  } catch {
    return undefined;
  }
};

describe('receipts, version 3 (batch-signed, over the event digest too)', () => {
  it('has a documented leaf payload: the v1 fields under a v3 first line, then the event digest', () => {
    const [receipt] = batch(1);
    const leaf = new TextDecoder().decode(receiptLeafPayload(receipt!));
    const v1 = new TextDecoder().decode(receiptSigningPayload(receipt!));
    expect(leaf).toBe(`thoth.receipt.v3\n${v1.slice('thoth.receipt.v1\n'.length)}event_digest 64:${'0a'.repeat(32)}\n`);
    expect(new TextDecoder().decode(receiptBatchSigningPayload('k', 3, new Uint8Array(32).fill(0xab), 3))).toBe(
      `thoth.receipt.batch.v3\nkey_id 1:k\nbatch_size 1:3\nroot 64:${'ab'.repeat(32)}\n`,
    );
  });

  it('verifies offline for every batch size, and a batch of 1 is one signature over its own leaf', () => {
    for (const size of [1, 2, 3, 4, 5, 7, 8, 9, 31, 256]) {
      const receipts = batch(size);
      const root = merkleTreeHash(receipts.map(receiptLeafPayload));
      for (const [i, r] of receipts.entries()) {
        const received = decode(wire(r))!;
        expect(verifyReceipt(received, trusted)).toEqual({ ok: true });
        expect(received).toMatchObject({ receiptVersion: 3, batchSize: size, batchIndex: i });
        expect(received.signature).toEqual(receipts[0]!.signature);
        // The signature is over the RFC 9162 root of the batch's leaves.
        expect(verifierFromPublicKey(signer.publicKey).verify(receiptBatchSigningPayload(signer.keyId, size, root, 3), received.signature)).toBe(true);
      }
      // The batch's leaves are libs/merkle leaf hashes.
      for (const r of receipts) expect(pendingReceipt(r, signer).leaf).toEqual(leafHash(receiptLeafPayload(r)));
      if (size === 1) {
        expect(receipts[0]!.batchPath).toEqual([]);
        expect(root).toEqual(leafHash(receiptLeafPayload(receipts[0]!)));
      }
    }
  });

  it('fails when any byte of the receipt, its path or its signature is flipped', () => {
    const receipts = batch(5);
    let flips = 0;
    for (const receipt of [receipts[0]!, receipts[3]!, receipts[4]!]) {
      const bytes = wire(receipt);
      for (let i = 0; i < bytes.length; i++) {
        for (const bit of [0x01, 0x80]) {
          const flipped = bytes.slice();
          flipped[i]! ^= bit;
          const changed = decode(flipped);
          if (changed === undefined) continue; // does not even decode
          // protobuf-es reads a known field whatever its wire type: the same receipt,
          // differently encoded (the signatures cover canonical text, not the encoding).
          if (equals(ReceiptSchema, changed, receipt)) continue;
          flips++;
          expect(verifyReceipt(changed, trusted), `byte ${i} bit ${bit}`).toMatchObject({ ok: false });
        }
      }
      for (const [p, hash] of receipt.batchPath.entries()) {
        for (let i = 0; i < hash.length; i++) {
          const path = receipt.batchPath.map((h) => h.slice());
          path[p]![i]! ^= 0x01;
          expect(verifyReceipt({ ...receipt, batchPath: path }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
        }
      }
      for (let i = 0; i < receipt.signature.length; i++) {
        const signature = receipt.signature.slice();
        signature[i]! ^= 0x01;
        expect(verifyReceipt({ ...receipt, signature }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
      }
    }
    expect(flips).toBeGreaterThan(1000);
  });

  it('fails when fields, index, size or path change', () => {
    const [a, b, c] = batch(3);
    expect(verifyReceipt({ ...a!, outcome: Outcome.ALLOW }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verifyReceipt({ ...a!, reasons: ['other'] }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verifyReceipt({ ...a!, eventDigest: '0b'.repeat(32) }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verifyReceipt({ ...a!, batchIndex: 1 }, trusted)).toMatchObject({ ok: false });
    expect(verifyReceipt({ ...c!, batchIndex: 3 }, trusted)).toMatchObject({ ok: false, code: 'BAD_BATCH_PROOF' });
    expect(verifyReceipt({ ...a!, batchSize: 4 }, trusted)).toMatchObject({ ok: false });
    expect(verifyReceipt({ ...a!, batchPath: a!.batchPath.slice(1) }, trusted)).toMatchObject({ ok: false });
    expect(verifyReceipt({ ...a!, batchPath: [...a!.batchPath, a!.batchPath[0]!] }, trusted)).toMatchObject({ ok: false });
    // b's path presented for a: wrong leaf for that path.
    expect(verifyReceipt({ ...a!, batchIndex: b!.batchIndex, batchPath: b!.batchPath }, trusted)).toMatchObject({ ok: false });
    // version 3 presented as version 2 or 1 (a downgrade that would drop the event digest): different payloads.
    expect(verifyReceipt({ ...a!, receiptVersion: 2 }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    expect(verifyReceipt({ ...a!, receiptVersion: 1 }, trusted)).toMatchObject({ ok: false });
    expect(verifyReceipt({ ...a!, receiptVersion: 4 }, trusted)).toMatchObject({ ok: false, code: 'UNKNOWN_VERSION' });
    const v1 = signReceipt(init(0), signer);
    expect(verifyReceipt(v1, trusted)).toEqual({ ok: true });
    expect(verifyReceipt({ ...v1, receiptVersion: 2, batchSize: 1 }, trusted)).toMatchObject({ ok: false });
    expect(verifyReceipt({ ...v1, receiptVersion: 3, batchSize: 1 }, trusted)).toMatchObject({ ok: false });
  });

  it('signs the outcome APPROVAL_REQUIRED by name: a held call cannot pass for a denied or allowed one', () => {
    const pending = [pendingReceipt({ ...init(0), outcome: Outcome.APPROVAL_REQUIRED }, signer)];
    signReceiptBatch(pending, signer);
    const held = pending[0]!.receipt;
    expect(new TextDecoder().decode(receiptLeafPayload(held))).toContain('\noutcome 17:APPROVAL_REQUIRED\n');
    expect(verifyReceipt(decode(wire(held))!, trusted)).toEqual({ ok: true });
    for (const outcome of [Outcome.ALLOW, Outcome.DENY, Outcome.WOULD_DENY, Outcome.UNSPECIFIED]) {
      expect(verifyReceipt({ ...held, outcome }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
    }
    const v1 = signReceipt({ ...init(1), outcome: Outcome.APPROVAL_REQUIRED }, signer);
    expect(new TextDecoder().decode(receiptSigningPayload(v1))).toContain('\noutcome 17:APPROVAL_REQUIRED\n');
    expect(verifyReceipt({ ...v1, outcome: Outcome.DENY }, trusted)).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' });
  });

  it('cannot be moved to another batch', () => {
    const first = batch(4, 0);
    const second = batch(4, 100);
    const moved = first[1]!;
    expect(sameReceiptBatch(first[0]!, first[3]!)).toBe(true);
    expect(sameReceiptBatch(moved, second[1]!)).toBe(false);
    for (const other of second) {
      // another batch's signature, with this receipt's own proof or with the other's
      expect(verifyReceipt({ ...moved, signature: other.signature }, trusted)).toMatchObject({ ok: false });
      expect(verifyReceipt({ ...moved, signature: other.signature, batchIndex: other.batchIndex, batchSize: other.batchSize, batchPath: other.batchPath }, trusted)).toMatchObject({ ok: false });
    }
    // nor into a batch of one
    const single = batch(1, 200)[0]!;
    expect(verifyReceipt({ ...moved, signature: single.signature, batchIndex: 0, batchSize: 1, batchPath: [] }, trusted)).toMatchObject({ ok: false });
  });

  it('names an unknown key', () => {
    const other = signerFromSeed(generateSigningKey());
    const pending = [pendingReceipt(init(0), other)];
    signReceiptBatch(pending, other);
    expect(verifyReceipt(pending[0]!.receipt, trusted)).toMatchObject({ ok: false, code: 'UNKNOWN_KEY' });
  });
});

describe('ReceiptIssuer', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ minLength: 95, maxLength: 1200 }), // lengths of 2, 3 and 4 digits
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }), // lone surrogates
    fc.constantFrom('', 'a\nb', 'é', '9:x\n'),
  );
  const decision = fc.record({
    decisionId: text,
    requestId: text,
    tenantId: text,
    agentId: text,
    tool: text,
    argumentsDigest: text,
    outcome: fc.constantFrom(Outcome.UNSPECIFIED, Outcome.ALLOW, Outcome.DENY, Outcome.WOULD_DENY, 17 as Outcome),
    reasons: fc.array(text, { maxLength: 4 }),
    decidedAt: fc.record({ seconds: fc.bigInt({ min: 0n, max: 2n ** 40n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }).map((t) => create(TimestampSchema, t)),
    eventDigest: text,
  });
  const common = fc.record({ policyVersion: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), policyHash: text, configVersion: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), enforcerId: text });

  it('makes the receipts and leaf hashes pendingReceipt makes', () => {
    fc.assert(
      fc.property(common, decision, (c, d) => {
        const issuer = new ReceiptIssuer(c, signer);
        const reference = pendingReceipt({ ...c, ...d }, signer);
        const pending = issuer.pending(d);
        expect(equals(ReceiptSchema, pending.receipt, reference.receipt)).toBe(true);
        expect(pending.receipt).toEqual(reference.receipt);
        expect(pending.leaf).toEqual(reference.leaf);
        expect(pending.leaf).toEqual(leafHash(receiptLeafPayload(pending.receipt)));
      }),
      { numRuns: 300 },
    );
  });

  it('issues receipts that verify once their batch is signed', () => {
    const issuer = new ReceiptIssuer({ policyVersion: 4n, policyHash: 'ab'.repeat(32), configVersion: 9n, enforcerId: 'enf-é' }, signer);
    const pending = fc.sample(decision, 9).map((d) => issuer.pending(d));
    signReceiptBatch(pending, signer);
    for (const { receipt } of pending) expect(verifyReceipt(decode(wire(receipt))!, trusted)).toEqual({ ok: true });
  });
});
