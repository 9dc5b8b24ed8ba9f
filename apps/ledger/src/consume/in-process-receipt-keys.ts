import type { ReceiptKeyConsumer } from '@thoth/kafka';
import type { ReceiptKeyDirectory, ReceiptKeyRecord } from '@thoth/snapshot';

/** Where the ledger's receipt key directory is read from: the Kafka topic (default) or, embedded, this process. */
export type ReceiptKeySource = (directory: ReceiptKeyDirectory) => Promise<ReceiptKeyConsumer>;

/**
 * The directory without Kafka (the embedded launcher): the control plane in this process publishes
 * its signed records here (it is a ReceiptKeySink) and the ledger reads them as from the topic —
 * every record kept, by key, replayed to a directory that subscribes late — and verifies each
 * record's signature all the same.
 */
export class InProcessReceiptKeys {
  readonly #records = new Map<string, string>();
  readonly #directories = new Set<ReceiptKeyDirectory>();

  async publish(records: readonly ReceiptKeyRecord[]): Promise<void> {
    for (const { key, value } of records) {
      this.#records.set(key, value);
      for (const directory of this.#directories) directory.apply(key, value, 'in-process');
    }
  }

  async close(): Promise<void> {}

  /** The ledger's side: replays what was published, then follows. */
  source(): ReceiptKeySource {
    return async (directory) => {
      for (const [key, value] of this.#records) directory.apply(key, value, 'in-process');
      this.#directories.add(directory);
      return { stop: async () => void this.#directories.delete(directory) };
    };
  }
}
