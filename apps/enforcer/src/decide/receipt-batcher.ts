import type { Receipt } from '@thoth/contracts';
import { signReceiptBatch, type PendingReceipt, type ReceiptDecision, type ReceiptIssuer, type Signer } from '@thoth/snapshot';

/**
 * Signs receipts in batches (receipt version 3, libs/snapshot receipt.ts): the receipts
 * created during one turn of the event loop, at most `maxBatch` of them, become the leaves
 * of one Merkle tree whose root is signed once, when the turn ends (setImmediate) or the
 * batch is full, whichever comes first. Under load the enforcer answers many decisions per
 * turn, so Ed25519 signatures per second drop by the batch size; at low load a batch holds
 * one receipt and costs one signature, as before. The latency added is at most the rest of
 * the current turn: no timer waits for more work.
 *
 * Each receipt comes with an item (the decision's event) that `deliver` receives once the
 * receipt is signed, in creation order; one promise per batch tells the waiting answers.
 *
 * `maxBatch` 0 signs each receipt at once, in a batch of its own (its item is delivered in a
 * microtask, after the caller has it).
 */
export class ReceiptBatcher<T> {
  readonly #signer: Signer;
  readonly #maxBatch: number;
  readonly #deliver: (item: T) => void;
  #batch: PendingReceipt[] = [];
  #items: T[] = [];
  #signed: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #scheduled = false;
  #batches = 0;
  #receipts = 0;

  constructor(signer: Signer, options: { maxBatch?: number; deliver: (item: T) => void }) {
    this.#signer = signer;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#deliver = options.deliver;
  }

  /**
   * Creates the receipt and, from it, the item to deliver once it is signed; `signed`
   * resolves once the receipt's signature (and batch fields) are set and its item delivered.
   */
  create(issuer: ReceiptIssuer, decision: ReceiptDecision, item: (receipt: Receipt) => T): { receipt: Receipt; item: T; signed: Promise<void> } {
    const pending = issuer.pending(decision);
    if (this.#maxBatch <= 0) {
      signReceiptBatch([pending], this.#signer);
      this.#batches++;
      this.#receipts++;
      const made = item(pending.receipt);
      return { receipt: pending.receipt, item: made, signed: DONE.then(() => this.#deliver(made)) };
    }
    const made = item(pending.receipt);
    if (this.#signed === undefined) {
      this.#signed = new Promise<void>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
      this.#signed.catch(() => {}); // reaches whoever awaits it, never as an unhandled rejection
    }
    const signed = this.#signed;
    this.#batch.push(pending);
    this.#items.push(made);
    if (this.#batch.length >= this.#maxBatch) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
    return { receipt: pending.receipt, item: made, signed };
  }

  /** Signs the open batch now and delivers its items. */
  flush(): void {
    const batch = this.#batch;
    const items = this.#items;
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#batch = [];
    this.#items = [];
    this.#signed = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
    if (batch.length === 0) return;
    try {
      signReceiptBatch(batch, this.#signer);
      this.#batches++;
      this.#receipts += batch.length;
      for (let i = 0; i < items.length; i++) this.#deliver(items[i]!);
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
