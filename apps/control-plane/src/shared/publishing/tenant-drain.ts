import type { Logger } from 'pino';

export interface TenantDrainOptions {
  /** What is published, in log lines ("receipt key directory"). */
  readonly name: string;
  /** Every tenant that may have something to publish (at start and on each resync). */
  readonly tenants: () => Promise<readonly string[]>;
  /** Publishes what one tenant has; a rejection leaves the tenant to be published again. */
  readonly publish: (tenantId: string) => Promise<void>;
  readonly log: Logger;
  readonly retryMs?: number;
}

/**
 * Publishes tenants marked changed, one at a time and never two runs at once, at least once: a
 * tenant whose publish fails is marked again and retried after `retryMs`, and so is a failed
 * listing of every tenant (`resync`). The control plane's outbox-style publishers (the receipt key
 * directory, the approvals' signed decisions) drain through one.
 */
export class TenantDrain {
  readonly #dirty = new Set<string>();
  #running: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly options: TenantDrainOptions) {}

  changed(tenantId: string): void {
    this.#dirty.add(tenantId);
    this.#drain();
  }

  /** Marks every tenant (at start, and periodically in case a notification was lost). */
  async resync(): Promise<void> {
    try {
      for (const tenantId of await this.options.tenants()) this.#dirty.add(tenantId);
    } catch (error) {
      this.options.log.error({ err: error }, `${this.options.name}: could not list tenants; retrying`);
      this.#schedule(() => void this.resync());
      return;
    }
    this.#drain();
  }

  /** Resolves once nothing is left to publish (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops retrying and waits for the run in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#running;
  }

  #drain(): void {
    if (this.#running || this.#closed) return;
    this.#running = this.#publishDirty().finally(() => {
      this.#running = undefined;
      if (this.#dirty.size > 0 && !this.#retry) this.#drain();
    });
  }

  async #publishDirty(): Promise<void> {
    for (const tenantId of [...this.#dirty]) {
      if (this.#closed) return;
      this.#dirty.delete(tenantId);
      try {
        await this.options.publish(tenantId);
      } catch (error) {
        this.#dirty.add(tenantId);
        this.options.log.warn({ err: error, tenantId }, `${this.options.name}: publish failed; retrying`);
        this.#schedule(() => this.#drain());
        return;
      }
    }
  }

  #schedule(then: () => void): void {
    if (this.#retry || this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      then();
    }, this.options.retryMs ?? 2_000);
    this.#retry.unref();
  }
}
