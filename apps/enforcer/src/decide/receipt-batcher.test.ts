import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Outcome } from '@thoth/contracts';
import { generateSigningKey, keyring, ReceiptIssuer, signerFromSeed, verifierFromPublicKey, verifyReceipt } from '@thoth/snapshot';
import { describe, expect, it } from 'vitest';
import { ReceiptBatcher } from './receipt-batcher.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);
const issuer = new ReceiptIssuer({ policyVersion: 1n, policyHash: 'h', configVersion: 2n, enforcerId: 'e' }, signer);
const decision = (i: number) => ({
  decisionId: `d${i}`,
  requestId: '',
  tenantId: '7e0a0000-0000-4000-8000-000000000001',
  agentId: 'a',
  tool: 'x',
  argumentsDigest: 'ab',
  outcome: Outcome.ALLOW,
  reasons: [],
  decidedAt: timestampFromMs(1_700_000_000_000 + i),
  eventDigest: `${i}`.padStart(64, '0'),
});

/** A batcher whose items are the decision numbers, delivered into `delivered`. */
function batcher(maxBatch?: number) {
  const delivered: number[] = [];
  const b = new ReceiptBatcher<number>(signer, { ...(maxBatch !== undefined ? { maxBatch } : {}), deliver: (i) => delivered.push(i) });
  return { delivered, create: (i: number) => b.create(issuer, decision(i), () => i), batcher: b };
}

describe('ReceiptBatcher', () => {
  it('signs the receipts of one turn of the event loop as one batch, each verifiable alone', async () => {
    const { create, delivered, batcher: b } = batcher();
    const made = Array.from({ length: 10 }, (_, i) => create(i));
    expect(made[0]!.receipt.signature).toHaveLength(0); // not signed before the turn ends
    expect(delivered).toEqual([]); // nor delivered
    await Promise.all(made.map((m) => m.signed));
    expect(delivered).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // once each, in order, before `signed` resolves
    for (const [i, { receipt }] of made.entries()) {
      expect(receipt).toMatchObject({ receiptVersion: 3, batchSize: 10, batchIndex: i });
      expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
    }
    expect(b.stats()).toEqual({ batches: 1, receipts: 10 });
    const alone = create(99);
    await alone.signed;
    expect(alone.receipt).toMatchObject({ batchSize: 1, batchIndex: 0, batchPath: [] });
    expect(verifyReceipt(alone.receipt, trusted)).toEqual({ ok: true });
  });

  it('closes a batch when it is full', async () => {
    const { create, delivered } = batcher(4);
    const made = Array.from({ length: 10 }, (_, i) => create(i));
    expect(made[3]!.receipt.signature).toHaveLength(64); // signed at once when the 4th came
    expect(delivered).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await Promise.all(made.map((m) => m.signed));
    expect(made.map((m) => m.receipt.batchSize)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 2, 2]);
    for (const { receipt } of made) expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
  });

  it('maxBatch 0 signs each receipt at once, in a batch of its own', async () => {
    const { create, delivered } = batcher(0);
    const made = create(1);
    expect(delivered).toEqual([]); // delivered after the caller has the answer
    await made.signed;
    expect(delivered).toEqual([1]);
    expect(made.receipt).toMatchObject({ receiptVersion: 3, batchSize: 1, batchIndex: 0, batchPath: [] });
    expect(verifyReceipt(made.receipt, trusted)).toEqual({ ok: true });
  });

  it('delivers nothing and rejects the batch when signing fails', async () => {
    const delivered: number[] = [];
    const broken = { ...signer, sign: () => { throw new Error('key unavailable'); } };
    const b = new ReceiptBatcher<number>(broken, { deliver: (i) => delivered.push(i) });
    const made = [0, 1, 2].map((i) => b.create(issuer, decision(i), () => i));
    for (const m of made) await expect(m.signed).rejects.toThrow('key unavailable');
    expect(delivered).toEqual([]);
  });
});
