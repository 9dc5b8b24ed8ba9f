import type { Anchor } from '../checkpoint/anchor.js';

/** An anchor that counts the writes it refused (thoth_ledger_anchor_failures_total), and otherwise is the one it wraps. */
export class CountingAnchor implements Anchor {
  #failures = 0;

  constructor(private readonly inner: Anchor) {}

  get description(): string {
    return this.inner.description;
  }

  get failures(): number {
    return this.#failures;
  }

  async put(tenantId: string, size: number, note: string): Promise<void> {
    try {
      await this.inner.put(tenantId, size, note);
    } catch (error) {
      this.#failures += 1;
      throw error;
    }
  }

  list(tenantId: string): Promise<number[]> {
    return this.inner.list(tenantId);
  }

  get(tenantId: string, size: number): Promise<string | undefined> {
    return this.inner.get(tenantId, size);
  }
}
