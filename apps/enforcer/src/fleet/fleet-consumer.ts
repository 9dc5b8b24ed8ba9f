import type { WindowState } from '@thoth/policy';
import { ConfigResourceTypes, kafkaClientConfig, kafkaLogCreator, startReceiptKeyConsumer, type KafkaConnection, type KafkaLog, type ReceiptKeyConsumer } from '@thoth/kafka';
import { ReceiptKeyDirectory, type Keyring } from '@thoth/snapshot';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { ActiveSnapshots } from '../sync/active-snapshots.js';
import { FleetFold } from './fleet-fold.js';
import { FleetMetrics } from './fleet-metrics.js';

export interface FleetOptions {
  /** thoth-enforcer's: Read on both topics and on groups prefixed thoth-enforcer, DescribeConfigs on the decisions topic. */
  readonly connection: KafkaConnection;
  /** THOTH_DECISIONS_TOPIC: where every enforcer publishes its decisions, window updates included. */
  readonly decisionsTopic: string;
  /** THOTH_RECEIPT_KEYS_TOPIC: the receipt keys peers' decisions are verified against. */
  readonly receiptKeysTopic: string;
  /** How often lag is measured against the topic's end offsets. Default 1 s. */
  readonly lagRefreshMs?: number;
  /** Peers' decisions held for a receipt key not in the directory yet. Default 1,000. */
  readonly holdMax?: number;
}

export type FleetStateName = 'off' | 'rebuilding' | 'following' | 'paused';

/** The fleet fold as /readyz reports it (docs/fleet-state.md). */
export interface FleetStatus {
  readonly state: FleetStateName;
  /** Messages of the decisions topic not read yet, against the end offsets read at `endOffsetsAt` (null: not measured yet). */
  readonly lagMessages: number | null;
  /** Epoch ms the end offsets were asked for: lag 0 means every decision acknowledged before then is folded. */
  readonly endOffsetsAt: number | null;
  readonly caughtUp: boolean;
  /** Peers' decisions folded, in all and while rebuilding. */
  readonly folded: number;
  readonly rebuilt: number;
  readonly rejected: number;
  /** Fold time − decided_at of the last decision folded while following. */
  readonly lastPropagationMs: number | null;
}

export type FleetNotReady = { readonly code: 'FLEET_REBUILDING' | 'FLEET_RETENTION_SHORT'; readonly reason: string };

export const FLEET_OFF: FleetStatus = { state: 'off', lagMessages: null, endOffsetsAt: null, caughtUp: false, folded: 0, rebuilt: 0, rejected: 0, lastPropagationMs: null };

export interface FleetDeps {
  readonly enforcerId: string;
  readonly startedAt: number;
  readonly store: ActiveSnapshots;
  readonly state: WindowState;
  /** The control plane's snapshot keys: they sign the receipt key directory too. */
  readonly trustedKeys: Keyring;
  readonly registry: Registry;
  readonly clock: () => number;
  readonly logger: Logger;
  /** Readiness may have changed (rebuild done, retention found short). */
  readonly onChange: () => void;
}

/**
 * Shares window counters across the fleet (docs/fleet-state.md): reads every enforcer's
 * decisions from the decisions topic and folds the other processes' window updates into this
 * one's windows (FleetFold). At start, once snapshots are held, it rebuilds: reads back from
 * `now − the longest window of the held policies` to the end offsets of that moment, and only
 * then is the enforcer ready, so a restart keeps its windows. Its group is its own, per process
 * and never committed: every enforcer reads every partition.
 */
export class FleetConsumer {
  readonly #o: FleetOptions;
  readonly #d: FleetDeps;
  readonly #log: KafkaLog;
  readonly #directory: ReceiptKeyDirectory;
  readonly #fold: FleetFold;
  #kafka: Kafka | undefined;
  #admin: Admin | undefined;
  #consumer: Consumer | undefined;
  #keys: ReceiptKeyConsumer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rebuilding = true;
  #paused = false;
  #stopped = false;
  #retentionShort: string | undefined;
  /** Partition → next offset to read (what is below it is folded or skipped). */
  readonly #positions = new Map<number, number>();
  /** Partition → the end offset read at start, while the rebuild has not reached it. */
  readonly #pending = new Map<number, number>();
  #lag: number | null = null;
  #endOffsetsAt: number | null = null;
  #measuring = false;

  constructor(options: FleetOptions, deps: FleetDeps) {
    this.#o = options;
    this.#d = deps;
    this.#log = { ...bind(deps.logger), debug: () => {} };
    this.#directory = new ReceiptKeyDirectory(deps.trustedKeys, deps.logger);
    const metrics = new FleetMetrics(deps.registry, () => this.#lag);
    this.#fold = new FleetFold({
      enforcerId: deps.enforcerId,
      startedAt: deps.startedAt,
      store: deps.store,
      state: deps.state,
      directory: this.#directory,
      clock: deps.clock,
      logger: deps.logger,
      listener: metrics,
      ...(options.holdMax !== undefined ? { holdMax: options.holdMax } : {}),
    });
  }

  /** Starts in the background; until the rebuild is done the enforcer is not ready (FLEET_REBUILDING). */
  start(): void {
    void this.#startWithRetries();
  }

  status(): FleetStatus {
    const state: FleetStateName = this.#paused ? 'paused' : this.#rebuilding ? 'rebuilding' : 'following';
    return {
      state,
      lagMessages: this.#lag,
      endOffsetsAt: this.#endOffsetsAt,
      caughtUp: !this.#rebuilding && this.#lag === 0,
      folded: this.#fold.folded,
      rebuilt: this.#fold.rebuilt,
      rejected: this.#fold.rejected,
      lastPropagationMs: this.#fold.lastPropagationMs,
    };
  }

  notReady(): FleetNotReady | null {
    if (this.#retentionShort !== undefined) return { code: 'FLEET_RETENTION_SHORT', reason: this.#retentionShort };
    if (this.#rebuilding) return { code: 'FLEET_REBUILDING', reason: "folding the fleet's decisions of the longest window before serving" };
    return null;
  }

  /** SIGUSR2 (drills and tests): stops or resumes reading; the lag keeps being measured. */
  togglePause(): 'paused' | 'resumed' | undefined {
    const consumer = this.#consumer;
    if (consumer === undefined) return undefined;
    this.#paused = !this.#paused;
    if (this.#paused) consumer.pause([{ topic: this.#o.decisionsTopic }]);
    else consumer.resume([{ topic: this.#o.decisionsTopic }]);
    this.#d.logger.info({ topic: this.#o.decisionsTopic }, this.#paused ? 'fleet consumer paused' : 'fleet consumer resumed');
    return this.#paused ? 'paused' : 'resumed';
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#fold.close();
    await Promise.allSettled([this.#consumer?.disconnect(), this.#keys?.stop(), this.#admin?.disconnect()]);
  }

  async #startWithRetries(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#start();
        return;
      } catch (error) {
        if (this.#stopped) return;
        this.#d.logger.error({ err: error }, 'fleet consumer could not start; retrying in 2 s');
        await Promise.allSettled([this.#consumer?.disconnect(), this.#keys?.stop(), this.#admin?.disconnect()]);
        this.#consumer = this.#keys = this.#admin = undefined;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  }

  async #start(): Promise<void> {
    const { decisionsTopic: topic, connection } = this.#o;
    const { enforcerId, logger } = this.#d;
    this.#kafka ??= new Kafka(kafkaClientConfig(connection, { clientId: `thoth-enforcer-${enforcerId}-fleet`, logLevel: logLevel.WARN, logCreator: kafkaLogCreator(this.#log) }));
    // Peers' decisions are verified against the directory: read it whole before the first fold.
    this.#keys = await startReceiptKeyConsumer(this.#directory, { connection, topic: this.#o.receiptKeysTopic, groupId: `thoth-enforcer.fleet.${enforcerId}`, clientId: `thoth-enforcer-${enforcerId}-keys`, log: this.#log });
    // The windows to rebuild are those of the policies held: wait for the first snapshot.
    await this.#snapshotHeld();
    if (this.#stopped) return;
    const admin = (this.#admin = this.#kafka.admin());
    await admin.connect();

    const longestMs = Math.max(0, ...[...this.#d.store.tenants()].map((t) => t.policy.longestWindowMs));
    const retentionMs = await this.#retentionMs(admin, topic);
    if (retentionMs !== undefined && retentionMs >= 0 && retentionMs < longestMs) {
      this.#retentionShort = `the decisions topic ${topic} keeps ${retentionMs} ms of decisions (retention.ms), shorter than the longest window of the policies held, ${longestMs} ms: windows cannot be rebuilt after a restart`;
      logger.error({ topic, retentionMs, longestWindowMs: longestMs }, 'fleet state: decisions topic retention shorter than the longest window');
      this.#d.onChange();
    }

    const since = this.#d.clock() - longestMs;
    const starts = longestMs > 0 ? await admin.fetchTopicOffsetsByTimestamp(topic, since) : (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
    const endsAt = this.#d.clock();
    const ends = await admin.fetchTopicOffsets(topic);
    for (const { partition, offset } of starts) this.#positions.set(partition, Number(offset));
    for (const { partition, high } of ends) {
      if (Number(high) > (this.#positions.get(partition) ?? 0)) this.#pending.set(partition, Number(high));
    }
    this.#lag = lagOf(ends, this.#positions);
    this.#endOffsetsAt = endsAt;
    logger.info({ topic, longestWindowMs: longestMs, since: new Date(since).toISOString(), toRead: this.#lag }, 'fleet state: rebuilding windows');

    const consumer = (this.#consumer = this.#kafka.consumer({ groupId: `thoth-enforcer.fleet.${enforcerId}.${randomUUID()}`, maxWaitTimeInMs: 100 }));
    consumer.on(consumer.events.CRASH, ({ payload }) => logger.error({ err: payload.error, restart: payload.restart }, 'fleet consumer crashed'));
    // On every join (the first, and after a crash) each partition resumes where the fold is.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of this.#positions) consumer.seek({ topic, partition, offset: String(offset) });
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        const partition = batch.partition;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          // Below the position: before the rebuild's start, or read already (a fetch that raced a seek).
          if (offset < (this.#positions.get(partition) ?? 0)) continue;
          this.#fold.fold(message.key, message.value, this.#rebuilding ? 'rebuild' : 'follow');
          this.#positions.set(partition, offset + 1);
        }
        // Nothing is committed, but kafkajs fetches the next batch from the last resolved offset:
        // unresolved, it fetched the same first MiB of the partition again and again, for ever.
        if (batch.messages.length > 0) resolveOffset(batch.lastOffset());
        this.#checkRebuilt(partition);
      },
    });
    if (this.#pending.size === 0) this.#rebuilt();
    this.#timer = setInterval(() => void this.#measureLag(), this.#o.lagRefreshMs ?? 1_000);
    this.#timer.unref();
  }

  #checkRebuilt(partition: number): void {
    const until = this.#pending.get(partition);
    if (until === undefined || (this.#positions.get(partition) ?? 0) < until) return;
    this.#pending.delete(partition);
    if (this.#pending.size === 0 && this.#rebuilding) this.#rebuilt();
  }

  #rebuilt(): void {
    this.#rebuilding = false;
    this.#d.logger.info({ rebuilt: this.#fold.rebuilt, rejected: this.#fold.rejected, windowKeys: this.#d.state.stats().liveKeys }, 'fleet state: windows rebuilt, following');
    this.#d.onChange();
  }

  async #measureLag(): Promise<void> {
    if (this.#measuring || this.#admin === undefined) return;
    this.#measuring = true;
    try {
      // Asked before the request leaves: whatever the broker acknowledged before then is below these offsets.
      const at = this.#d.clock();
      const ends = await this.#admin.fetchTopicOffsets(this.#o.decisionsTopic);
      this.#lag = lagOf(ends, this.#positions);
      this.#endOffsetsAt = at;
    } catch (error) {
      this.#d.logger.warn({ err: error }, 'fleet state: end offsets could not be read');
    } finally {
      this.#measuring = false;
    }
  }

  async #retentionMs(admin: Admin, topic: string): Promise<number | undefined> {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
    const value = described.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
    return value === undefined ? undefined : Number(value);
  }

  #snapshotHeld(): Promise<void> {
    if (this.#d.store.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.#d.store.onActivated(() => {
        off();
        resolve();
      });
    });
  }
}

function lagOf(ends: ReadonlyArray<{ partition: number; high: string }>, positions: ReadonlyMap<number, number>): number {
  let lag = 0;
  for (const { partition, high } of ends) lag += Math.max(0, Number(high) - (positions.get(partition) ?? 0));
  return lag;
}

function bind(logger: Logger): Omit<KafkaLog, 'debug'> {
  return { info: (f, m) => logger.info(f, m), warn: (f, m) => logger.warn(f, m), error: (f, m) => logger.error(f, m) };
}
