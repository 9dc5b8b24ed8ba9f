import { toBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import { kafkaClientConfig, kafkaLogCreator, type KafkaConnection } from '@thoth/kafka';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from 'pino';

/** Where the control plane's own decisions go: the decision topic, or the embedded in-process log. */
export interface DecisionSink {
  publish(events: readonly DecisionEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Publishes the control plane's signed decisions (a person's approval or rejection) after they
 * are durable (the event store holds each, signed, in its approval.* event), at least once:
 * a failed publish is retried until it lands or the process stops; consumers keep the first of
 * a decision id (the ledger, the read model), so a repeat is harmless.
 */
export class ApprovalDecisionPublisher {
  readonly #pending: DecisionEvent[] = [];
  #running: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly sink: DecisionSink,
    private readonly log: Logger,
    private readonly retryMs = 1_000,
  ) {}

  publish(event: DecisionEvent): void {
    this.#pending.push(event);
    this.#drain();
  }

  /** Resolves once nothing is left to publish (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#running;
    if (this.#pending.length > 0) this.log.warn({ unpublished: this.#pending.map((e) => e.decisionId) }, 'approval decisions not published before shutdown (each is in the event store)');
    await this.sink.close();
  }

  #drain(): void {
    if (this.#running || this.#retry || this.#closed || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    this.#running = this.sink
      .publish(batch)
      .catch((error: unknown) => {
        this.#pending.unshift(...batch);
        this.log.warn({ err: error, decisions: batch.length }, 'approval decisions: publish failed; retrying');
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          this.#drain();
        }, this.retryMs);
        this.#retry.unref();
      })
      .finally(() => {
        this.#running = undefined;
        this.#drain();
      });
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
