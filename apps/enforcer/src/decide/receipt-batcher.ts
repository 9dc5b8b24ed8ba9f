import type { Receipt } from '@thoth/contracts';
import { pendingReceipt, signReceipt, signReceiptBatch, type PendingReceipt, type Signer } from '@thoth/snapshot';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ReceiptSchema } from '@thoth/contracts';

/**
 * Signs receipts in batches (receipt version 2, libs/snapshot receipt.ts): the receipts
 * created during one turn of the event loop, at most `maxBatch` of them, become the leaves
 * of one Merkle tree whose root is signed once, when the turn ends (setImmediate) or the
 * batch is full, whichever comes first. Under load the enforcer answers many decisions per
 * turn, so Ed25519 signatures per second drop by the batch size; at low load a batch holds
 * one receipt and costs one signature, as before. The latency added is at most the rest of
 * the current turn: no timer waits for more work.
 *
 * `maxBatch` 0 keeps version 1: each receipt signed on its own, at once.
 */
export class ReceiptBatcher {
  readonly #signer: Signer;
  readonly #maxBatch: number;
  #batch: PendingReceipt[] = [];
  #signed: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #scheduled = false;
  #batches = 0;
  #receipts = 0;

  constructor(signer: Signer, options: { maxBatch?: number } = {}) {
    this.#signer = signer;
    this.#maxBatch = options.maxBatch ?? 256;
  }

  /** Creates the receipt; `signed` resolves once its signature (and batch fields) are set. */
  create(init: MessageInitShape<typeof ReceiptSchema>): { receipt: Receipt; signed: Promise<void> } {
    if (this.#maxBatch <= 0) return { receipt: signReceipt(init, this.#signer), signed: DONE };
    const pending = pendingReceipt(init, this.#signer);
    if (this.#signed === undefined) {
      this.#signed = new Promise<void>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    const signed = this.#signed;
    this.#batch.push(pending);
    if (this.#batch.length >= this.#maxBatch) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
    return { receipt: pending.receipt, signed };
  }

  /** Signs the open batch now. */
  flush(): void {
    const batch = this.#batch;
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#batch = [];
    this.#signed = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
    if (batch.length === 0) return;
    try {
      signReceiptBatch(batch, this.#signer);
      this.#batches++;
      this.#receipts += batch.length;
      resolve?.();
    } catch (error) {
      reject?.(error);
    }
  }

  /** Batches signed and receipts in them, since start. */
  stats(): { batches: number; receipts: number } {
    return { batches: this.#batches, receipts: this.#receipts };
  }

  readonly #onTurnEnd = (): void => {
    this.#scheduled = false;
    this.flush();
  };
}

const DONE: Promise<void> = Promise.resolve();
