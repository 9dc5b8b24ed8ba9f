import { ensureCompactedTopic, kafkaClientConfig, kafkaLogCreator, type KafkaConnection } from '@thoth/kafka';
import { signReceiptKeyEntry, type AnnouncedKey, type ReceiptKeyEntry, type ReceiptKeyRecord, type Signer } from '@thoth/snapshot';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { EnforcerView } from '../modules/enforcers/index.js';
import { TenantDrain } from '../shared/publishing/tenant-drain.js';

/** Where the signed directory goes: the compacted Kafka topic, or the embedded ledger in this process. */
export interface ReceiptKeySink {
  publish(records: readonly ReceiptKeyRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface ReceiptKeyPublisherOptions {
  readonly signer: Signer;
  readonly sink: ReceiptKeySink;
  /** Every tenant the event store knows. */
  readonly tenants: () => Promise<readonly string[]>;
  /** A tenant's enforcers with their announced keys (ListEnforcersQuery). */
  readonly enforcers: (tenantId: string) => Promise<readonly EnforcerView[]>;
  readonly log: Logger;
  readonly retryMs?: number;
  /**
   * The control plane's own receipt key (its approvals, docs/approvals.md), published for every
   * tenant under its reserved process name, so that its decisions verify as any enforcer's do.
   */
  readonly ownKey?: AnnouncedKey;
}

/**
 * Publishes every tenant's receipt keys, each signed by the control plane's snapshot key, to the
 * ledger's directory (docs/security.md, "Decisions believed only when signed"). At least once and
 * idempotent: a tenant is republished whole (each record under its own key, so compaction keeps one
 * per key and process) at start — keys recorded before the publisher existed included — whenever
 * an enforcer event of it is heard, and on every resync; a failed publish is retried until it lands.
 */
export class ReceiptKeyPublisher {
  readonly #drain: TenantDrain;

  constructor(private readonly options: ReceiptKeyPublisherOptions) {
    this.#drain = new TenantDrain({ name: 'receipt key directory', tenants: options.tenants, publish: (tenantId) => this.#publish(tenantId), log: options.log, retryMs: options.retryMs });
  }

  /** Republishes every tenant (at start, and periodically in case a notification was lost). */
  resync(): Promise<void> {
    return this.#drain.resync();
  }

  changed(tenantId: string): void {
    this.#drain.changed(tenantId);
  }

  /** Resolves once nothing is left to publish (tests, shutdown). */
  idle(): Promise<void> {
    return this.#drain.idle();
  }

  async close(): Promise<void> {
    await this.#drain.close();
    await this.options.sink.close();
  }

  async #publish(tenantId: string): Promise<void> {
    const entries = (await this.options.enforcers(tenantId)).flatMap((enforcer) => entriesOf(tenantId, enforcer));
    if (this.options.ownKey) entries.push(ownEntry(tenantId, this.options.ownKey));
    const records = entries.map((e) => signReceiptKeyEntry(e, this.options.signer));
    if (records.length > 0) await this.options.sink.publish(records);
  }
}

/** The control plane's key, as one tenant's entry (its "enforcer" and process the reserved name). */
function ownEntry(tenantId: string, key: AnnouncedKey): ReceiptKeyEntry {
  return { tenantId, enforcerId: key.instanceId, instanceId: key.instanceId, keyId: key.keyId, publicKey: key.publicKey, announcedAt: '2026-01-01T00:00:00.000Z', status: 'active' };
}

function entriesOf(tenantId: string, enforcer: EnforcerView): ReceiptKeyEntry[] {
  return enforcer.receiptKeys.map((k) => ({
    tenantId,
    enforcerId: enforcer.id,
    instanceId: k.instanceId,
    keyId: k.keyId,
    publicKey: k.publicKey,
    announcedAt: k.announcedAt,
    status: enforcer.status === 'decommissioned' ? 'decommissioned' : 'active',
  }));
}

/**
 * The directory's Kafka topic, compacted (created so when missing and the principal may): acks
 * from every in-sync replica, keyed so compaction keeps the last record of each key and process.
 */
export function kafkaReceiptKeySink(options: { connection: KafkaConnection; topic: string; clientId?: string }, log: Logger): ReceiptKeySink {
  const kafka = new Kafka(kafkaClientConfig(options.connection, { clientId: options.clientId ?? 'thoth-control-plane', logLevel: logLevel.WARN, logCreator: kafkaLogCreator(log) }));
  let producer: Producer | undefined;
  const connect = async (): Promise<Producer> => {
    if (producer) return producer;
    await ensureCompactedTopic(kafka, options.topic, log);
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    return (producer = p);
  };
  return {
    publish: async (records) => {
      const p = await connect();
      await p.send({ topic: options.topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value })) });
    },
    close: async () => {
      await producer?.disconnect();
    },
  };
}
