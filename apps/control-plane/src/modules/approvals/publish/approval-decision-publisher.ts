import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import { kafkaClientConfig, kafkaLogCreator, type KafkaConnection } from '@thoth/kafka';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { TenantDrain } from '../../../shared/publishing/tenant-drain.js';

/** Where the control plane's own decisions go: the decision topic, or the embedded in-process log. */
export interface DecisionSink {
  publish(events: readonly DecisionEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** The outbox the publisher reads: each decided request's signed decision, until it is marked published. */
export interface ApprovalOutbox {
  tenants(): Promise<readonly string[]>;
  unpublished(tenantId: string, limit: number): Promise<ReadonlyArray<{ id: string; event: Uint8Array }>>;
  markPublished(tenantId: string, ids: readonly string[], at: Date): Promise<void>;
}

const BATCH = 100;

/**
 * Publishes the control plane's signed decisions (a person's approval or rejection) from the
 * outbox they were written to with their audit event (approval_requests.decision_event), so one
 * is never lost to a crash between the commit and the send: a tenant is drained when one of its
 * requests is decided here, every tenant at start and on each resync, and a failed send is
 * retried. At least once: a decision sent whose mark was lost is sent again, and consumers keep
 * the first copy of a decision id (the ledger, the read model).
 */
export class ApprovalDecisionPublisher {
  readonly #drain: TenantDrain;

  constructor(
    private readonly sink: DecisionSink,
    private readonly outbox: ApprovalOutbox,
    log: Logger,
    private readonly clock: () => Date = () => new Date(),
    retryMs = 2_000,
  ) {
    this.#drain = new TenantDrain({ name: 'approval decisions', tenants: () => outbox.tenants(), publish: (tenantId) => this.#publish(tenantId), log, retryMs });
  }

  changed(tenantId: string): void {
    this.#drain.changed(tenantId);
  }

  resync(): Promise<void> {
    return this.#drain.resync();
  }

  /** Resolves once nothing is left to publish (tests, shutdown). */
  idle(): Promise<void> {
    return this.#drain.idle();
  }

  async close(): Promise<void> {
    await this.#drain.close();
    await this.sink.close();
  }

  async #publish(tenantId: string): Promise<void> {
    for (;;) {
      const batch = await this.outbox.unpublished(tenantId, BATCH);
      if (batch.length === 0) return;
      await this.sink.publish(batch.map((b) => fromBinary(DecisionEventSchema, b.event)));
      await this.outbox.markPublished(tenantId, batch.map((b) => b.id), this.clock());
      if (batch.length < BATCH) return;
    }
  }
}

/** The decision topic, keyed tenant/agent as enforcers key theirs (acks from every in-sync replica, idempotent). */
export function kafkaDecisionSink(options: { connection: KafkaConnection; topic: string }, log: Logger): DecisionSink {
  const kafka = new Kafka(kafkaClientConfig(options.connection, { clientId: 'thoth-control-plane-approvals', logLevel: logLevel.WARN, logCreator: kafkaLogCreator(log) }));
  let producer: Producer | undefined;
  const connect = async (): Promise<Producer> => {
    if (producer) return producer;
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    return (producer = p);
  };
  return {
    publish: async (events) => {
      const p = await connect();
      await p.send({
        topic: options.topic,
        acks: -1,
        messages: events.map((event) => ({ key: `${event.tenantId}/${event.agentId}`, value: Buffer.from(toBinary(DecisionEventSchema, event)), headers: { 'thoth-decision-id': event.decisionId } })),
      });
    },
    close: async () => {
      await producer?.disconnect();
    },
  };
}

/** The embedded mode's in-process decision log (the enforcer's InProcessDecisionLog, structurally). */
export function inProcessDecisionSink(log: { publish(event: DecisionEvent): void }): DecisionSink {
  return {
    publish: async (events) => {
      for (const event of events) log.publish(event);
    },
    close: async () => undefined,
  };
}
