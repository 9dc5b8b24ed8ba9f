import { SpanKind, SpanStatusCode, TraceFlags, type Span, type Tracer } from '@opentelemetry/api';
import { jitteredBackoffMs } from '@thoth/backoff';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import { messageEncoder } from '@thoth/grpc';
import { kafkaClientConfig, type KafkaConnection } from '@thoth/kafka';
import { formatTraceParent, parseTraceParent, spanContextOf } from '@thoth/telemetry';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from '../logger.js';
import { BoundedQueue, type DecisionLog, type DecisionLogStats } from './decision-log.js';

export interface KafkaDecisionLogOptions {
  /** Where Kafka is and who this enforcer is there (thoth-enforcer: Write on the decisions topic). */
  readonly connection: KafkaConnection;
  /** Default `thoth.decisions`. */
  readonly topic?: string;
  readonly clientId?: string;
  /** Events held while Kafka is slow or unreachable; beyond it new events are dropped and counted. */
  readonly bufferSize: number;
  /** How long the first event of a batch waits for company. Default 5 ms. */
  readonly lingerMs?: number;
  /** Most events per produce request. Default 1,000. */
  readonly maxBatch?: number;
  /**
   * Most bytes of encoded events per produce request. Default 768 KiB: kafkajs puts a request's
   * events for one partition in one record batch, and a broker refuses a batch over its
   * `message.max.bytes` (1 MiB by default) with MESSAGE_TOO_LARGE, which no retry cures. Events of
   * one agent share a partition, so without this cap an agent sending large arguments could wedge
   * the log: every later decision held, then DECISION_LOG_FULL.
   */
  readonly maxBatchBytes?: number;
  /** Longest wait between reconnection attempts, inside kafkajs and here. Default 2 s. */
  readonly maxRetryMs?: number;
  readonly logger?: Logger;
  /**
   * Tracing on (docs/telemetry.md): each event whose trace is sampled is sent inside a producer
   * span, a child of its Decide (DecisionEvent.trace_parent), named in the message's `traceparent`
   * header, from the moment its request is built until the broker acknowledged it.
   */
  readonly tracer?: Tracer;
}

const encodeEvent = messageEncoder(DecisionEventSchema);

/** Key `tenantId/agentId`: one partition per agent keeps each agent's decisions in order. */
export const decisionKey = (event: DecisionEvent): string => `${event.tenantId}/${event.agentId}`;

/**
 * Decisions to Kafka with `acks=-1` and kafkajs' idempotent producer. One produce request
 * is in flight at a time (what the idempotent producer needs to keep order); events
 * stay in the bounded buffer until the broker has acknowledged them, so the buffer depth
 * is everything not yet durable. While Kafka is unreachable kafkajs retries the request
 * (the same producer id and sequence numbers, so a retried write the broker already has
 * is not written twice) and new events wait in the buffer; when it is full they are
 * dropped, counted and logged. `close` drains what it can in its time limit.
 */
export class KafkaDecisionLog implements DecisionLog {
  readonly #options: Required<Omit<KafkaDecisionLogOptions, 'logger' | 'tracer'>> & { logger: Logger | undefined; tracer: Tracer | undefined };
  readonly #queue: BoundedQueue<DecisionEvent>;
  readonly #producer: Producer;
  #connected: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #delivered = 0;
  #dropped = 0;
  #failedAttempts = 0;
  #closed = false;
  #lastDropLog = 0;

  constructor(options: KafkaDecisionLogOptions) {
    this.#options = {
      topic: 'thoth.decisions',
      clientId: 'thoth-enforcer',
      lingerMs: 5,
      maxBatch: 1_000,
      maxBatchBytes: 768 * 1024,
      maxRetryMs: 2_000,
      ...options,
      logger: options.logger,
      tracer: options.tracer,
    };
    this.#queue = new BoundedQueue(options.bufferSize);
    const kafka = new Kafka(
      kafkaClientConfig(options.connection, {
        clientId: this.#options.clientId,
        logLevel: logLevel.NOTHING,
        retry: { initialRetryTime: 100, maxRetryTime: this.#options.maxRetryMs },
      }),
    );
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: this.#options.maxRetryMs },
    });
  }

  get topic(): string {
    return this.#options.topic;
  }

  reserve(): boolean {
    return !this.#closed && this.#queue.reserve();
  }

  release(): void {
    this.#queue.release();
  }

  publish(event: DecisionEvent, reserved = false): void {
    if (this.#closed || !this.#queue.push(event, reserved)) {
      if (reserved) this.#queue.release();
      this.#dropped++;
      const now = Date.now();
      if (now - this.#lastDropLog > 1_000) {
        this.#lastDropLog = now;
        this.#options.logger?.error(
          { dropped: this.#dropped, capacity: this.#queue.capacity, closed: this.#closed },
          'decision log buffer full: decision events dropped',
        );
      }
      return;
    }
    this.#schedule();
  }

  stats(): DecisionLogStats {
    return {
      buffered: this.#queue.size,
      capacity: this.#queue.capacity,
      delivered: this.#delivered,
      dropped: this.#dropped,
      failedAttempts: this.#failedAttempts,
    };
  }

  async close(options: { timeoutMs?: number } = {}): Promise<DecisionLogStats> {
    this.#closed = true;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.size > 0 && Date.now() < deadline) {
      this.#flush();
      await Promise.race([this.#inFlight ?? Promise.resolve(), sleep(Math.max(0, Math.min(100, deadline - Date.now())))]);
    }
    const stats = this.stats();
    if (stats.buffered > 0) this.#options.logger?.error({ undelivered: stats.buffered }, 'decision log closed with undelivered events');
    await Promise.race([this.#producer.disconnect().catch(() => {}), sleep(2_000)]);
    return stats;
  }

  #schedule(): void {
    if (this.#inFlight || this.#timer) return;
    if (this.#queue.size >= this.#options.maxBatch) {
      this.#flush();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#options.lingerMs);
  }

  #flush(): void {
    if (this.#inFlight || this.#queue.size === 0) return;
    this.#inFlight = this.#sendOne().finally(() => {
      this.#inFlight = undefined;
      if (this.#queue.size > 0) this.#schedule();
    });
  }

  async #sendOne(): Promise<void> {
    const messages = [];
    const spans: Span[] = [];
    let bytes = 0;
    for (const event of this.#queue.peek(this.#options.maxBatch)) {
      const value = encodeEvent(event);
      // At least one event a request, whatever its size.
      if (messages.length > 0 && bytes + value.length > this.#options.maxBatchBytes) break;
      bytes += value.length;
      const headers: Record<string, string> = { 'thoth-decision-id': event.decisionId };
      const span = this.#options.tracer && this.#producerSpan(this.#options.tracer, event);
      if (span) {
        spans.push(span);
        headers.traceparent = formatTraceParent(span.spanContext());
      }
      messages.push({ key: decisionKey(event), value, headers });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        this.#connected ??= this.#producer.connect();
        await this.#connected;
        await this.#producer.send({ topic: this.#options.topic, acks: -1, messages });
        this.#queue.drop(messages.length);
        this.#delivered += messages.length;
        for (const span of spans) span.end();
        return;
      } catch (error) {
        // kafkajs gave up on this request; the batch stays at the head of the buffer.
        this.#failedAttempts++;
        this.#connected = undefined;
        this.#options.logger?.warn({ err: error, attempt, events: messages.length }, 'decision log: produce failed, retrying');
        for (const span of spans) span.addEvent('produce failed, retrying', { attempt });
        if (this.#closed && attempt > 0) {
          for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: 'closed before the broker acknowledged' }).end();
          return;
        }
        await sleep(jitteredBackoffMs(attempt, { baseMs: 100, maxMs: this.#options.maxRetryMs, jitter: 'full' }));
      }
    }
  }

  /** The producer span of an event whose trace is sampled; none for the others (nothing would record it). */
  #producerSpan(tracer: Tracer, event: DecisionEvent): Span | undefined {
    const parent = parseTraceParent(event.traceParent);
    if (parent === undefined || (parent.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
    return tracer.startSpan(
      `${this.#options.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': this.#options.topic,
          'messaging.kafka.message.key': decisionKey(event),
          'thoth.decision.id': event.decisionId,
        },
      },
      spanContextOf(event.traceParent),
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
