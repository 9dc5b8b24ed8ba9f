import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, verifyReceipt } from '@thoth/snapshot';
import { describe, expect, it } from 'vitest';
import { ReceiptBatcher } from './receipt-batcher.js';

const signer = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(signer.publicKey)]);
const init = (i: number) => ({ decisionId: `d${i}`, tenantId: 't', agentId: 'a', tool: 'x', enforcerId: 'e' });

describe('ReceiptBatcher', () => {
  it('signs the receipts of one turn of the event loop as one batch, each verifiable alone', async () => {
    const batcher = new ReceiptBatcher(signer);
    const made = Array.from({ length: 10 }, (_, i) => batcher.create(init(i)));
    expect(made[0]!.receipt.signature).toHaveLength(0); // not signed before the turn ends
    await Promise.all(made.map((m) => m.signed));
    for (const [i, { receipt }] of made.entries()) {
      expect(receipt).toMatchObject({ receiptVersion: 2, batchSize: 10, batchIndex: i });
      expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
    }
    expect(batcher.stats()).toEqual({ batches: 1, receipts: 10 });
    const alone = batcher.create(init(99));
    await alone.signed;
    expect(alone.receipt).toMatchObject({ batchSize: 1, batchIndex: 0, batchPath: [] });
    expect(verifyReceipt(alone.receipt, trusted)).toEqual({ ok: true });
  });

  it('closes a batch when it is full', async () => {
    const batcher = new ReceiptBatcher(signer, { maxBatch: 4 });
    const made = Array.from({ length: 10 }, (_, i) => batcher.create(init(i)));
    expect(made[3]!.receipt.signature).toHaveLength(64); // signed at once when the 4th came
    await Promise.all(made.map((m) => m.signed));
    expect(made.map((m) => m.receipt.batchSize)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 2, 2]);
    for (const { receipt } of made) expect(verifyReceipt(receipt, trusted)).toEqual({ ok: true });
  });

  it('maxBatch 0 signs each receipt alone (version 1)', async () => {
    const made = new ReceiptBatcher(signer, { maxBatch: 0 }).create(init(1));
    await made.signed;
    expect(made.receipt.receiptVersion).toBe(0);
    expect(verifyReceipt(made.receipt, trusted)).toEqual({ ok: true });
  });
});
