import { SpanKind, SpanStatusCode, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { kafkaClientConfig, kafkaLogCreator, type KafkaConnection } from '@thoth/kafka';
import { parseTraceParent, spanContextOf } from '@thoth/telemetry';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { decodeDecisionMessage, type IncomingDecision } from './decode-decision-event.js';
import type { DecisionIngestor, IngestOutcome } from './decision-ingestor.js';

export interface KafkaDecisionSourceOptions {
  /** thoth-control-plane's: Read on the decisions topic and its groups. */
  readonly connection: KafkaConnection;
  readonly topic: string;
  /** The control plane's own consumer group (not the ledger's): every replica shares it. */
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly clientId?: string;
  /** Tracing on (docs/telemetry.md): a span per decision whose trace is sampled, continuing it; absent: none. */
  readonly tracer?: Tracer | undefined;
}

export interface RunningDecisionSource {
  stop(): Promise<void>;
  /** Per partition, messages on the topic past the group's committed offset (Kafka only). */
  lag?(): Promise<PartitionLag[]>;
}

export interface PartitionLag {
  readonly partition: number;
  readonly messages: number;
}

// Offsets are committed after each piece this size of a fetched batch, once it is in Postgres.
const PIECE = 500;
const RECONNECT_MS = 2_000;

/**
 * Feeds the read model from the Kafka decision topic: each batch is decoded, ingested (one
 * transaction per tenant) and only then are its offsets committed. A crash or rebalance between
 * the two redelivers the batch, which the ingestor stores once (ON CONFLICT DO NOTHING). A batch
 * whose ingestion fails is retried by kafkajs from the committed offset. Returns at once: the
 * consumer connects (and reconnects) in the background.
 */
export function startKafkaDecisionSource(
  ingestor: DecisionIngestor,
  options: KafkaDecisionSourceOptions,
  log: Logger,
  onIngested: (outcome: IngestOutcome) => void,
): RunningDecisionSource {
  const { topic, groupId } = options;
  const kafka = new Kafka(kafkaClientConfig(options.connection, { clientId: options.clientId ?? 'thoth-control-plane', logLevel: logLevel.WARN, logCreator: kafkaLogCreator(log) }));
  let consumer: Consumer | undefined;
  let admin: Admin | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const start = async (): Promise<void> => {
    const c = kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
      rebalanceTimeout: Math.max(options.sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 100,
    });
    consumer = c;
    c.on(c.events.CRASH, ({ payload }) => log.error({ err: payload.error, restart: payload.restart }, 'decision consumer crashed'));
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (let i = 0; i < batch.messages.length; i += PIECE) {
          if (!isRunning() || isStale()) return;
          const piece = batch.messages.slice(i, i + PIECE);
          const items = piece.map((m) => ({ decision: decodeDecisionMessage(m.value), from: `${batch.topic}/${batch.partition}@${m.offset}` }));
          const spans = options.tracer ? ingestSpans(options.tracer, topic, items) : NO_SPANS;
          let outcome: IngestOutcome;
          try {
            outcome = await ingestor.ingest(items);
          } catch (error) {
            for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message }).end();
            throw error;
          }
          for (const span of spans) span.end();
          const last = piece[piece.length - 1]!.offset;
          resolveOffset(last);
          await c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
          onIngested(outcome);
          await heartbeat();
        }
      },
    });
    log.info({ topic, groupId, brokers: options.connection.brokers, user: options.connection.sasl?.username }, 'decision ingestion from Kafka started');
  };

  const attempt = (): void => {
    void start().catch(async (error: unknown) => {
      log.error({ err: error, topic, retryInMs: RECONNECT_MS }, 'decision consumer could not start; retrying');
      await consumer?.disconnect().catch(() => undefined);
      if (!stopped) retry = setTimeout(attempt, RECONNECT_MS);
    });
  };
  attempt();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await consumer?.disconnect();
      await admin?.disconnect();
    },
    // Measured when asked (a scrape), from the broker: the committed offsets trail what is stored by one piece at most.
    lag: async () => {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      return partitionLag(admin, topic, groupId);
    },
  };
}

/** End offsets of the topic against the group's committed offsets (none committed: from the start of what is kept). */
export async function partitionLag(admin: Admin, topic: string, groupId: string): Promise<PartitionLag[]> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends.map(({ partition, high, low }) => {
    const offset = at.get(partition) ?? -1;
    return { partition, messages: Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low))) };
  });
}

const NO_SPANS: readonly Span[] = [];

/** A consumer span per decision whose event carries a sampled trace (DecisionEvent.trace_parent), naming the decision. */
function ingestSpans(tracer: Tracer, topic: string, items: ReadonlyArray<{ decision: IncomingDecision }>): Span[] {
  const spans: Span[] = [];
  for (const { decision } of items) {
    if (!decision.ok) continue;
    const parent = parseTraceParent(decision.event.traceParent);
    if (parent === undefined || (parent.traceFlags & TraceFlags.SAMPLED) === 0) continue;
    spans.push(
      tracer.startSpan(
        `${topic} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': topic, 'thoth.decision.id': decision.event.decisionId, 'thoth.tenant.id': decision.event.tenantId },
        },
        spanContextOf(decision.event.traceParent),
      ),
    );
  }
  return spans;
}
