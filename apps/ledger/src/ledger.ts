import type { Tracer } from '@opentelemetry/api';
import { openDatabase, redactUrl, type DatabaseHandle } from '@thoth/db';
import { verifierFromSigner } from '@thoth/merkle';
import { startReceiptKeyConsumer, type ReceiptKeyConsumer } from '@thoth/kafka';
import { keyring, ReceiptKeyDirectory, verifierFromPublicKey } from '@thoth/snapshot';
import type { Logger } from 'pino';
import { ApiKeyAuthenticator } from './api/authenticate.js';
import { startLedgerApi, type LedgerApi } from './api/ledger-api.js';
import { LedgerReader } from './api/ledger-reader.js';
import { DirectoryAnchor, type Anchor } from './checkpoint/anchor.js';
import { Checkpointer, type CheckpointSigned } from './checkpoint/checkpointer.js';
import type { LedgerConfig } from './config/config.js';
import { startDecisionConsumer, type DecisionConsumer } from './consume/decision-consumer.js';
import { startOpsServer, type OpsServer } from '@thoth/ops';
import { CountingAnchor } from './ops/counting-anchor.js';
import { LedgerMetrics } from './ops/ledger-metrics.js';
import { LedgerReadiness, type LedgerStatus } from './ops/readiness.js';
import type { ReceiptKeySource } from './consume/in-process-receipt-keys.js';
import type { DecisionSource } from './consume/in-process-source.js';
import { addCounts, DecisionFolder, type FoldOutcome } from './fold/decision-folder.js';
import { QuarantineRelease, type ReleaseOutcome } from './fold/quarantine-release.js';
import { TenantTrees } from './merkle/tenant-trees.js';

export interface LedgerHooks {
  onFolded?: (outcome: FoldOutcome, partition: number) => void;
  onCheckpoint?: (signed: CheckpointSigned) => void;
  /** Decisions held for an unknown receipt key, released once it arrived. */
  onReleased?: (outcome: ReleaseOutcome, tenantId: string) => void;
}

export interface RunningLedger {
  readonly database: DatabaseHandle;
  readonly checkpointer: Checkpointer;
  readonly anchor: Anchor;
  /** The receipt keys decisions are verified against, as the control plane published them. */
  readonly directory: ReceiptKeyDirectory;
  /** Decisions quarantined since start because they were not believed, by reason (receipt.*). */
  untrusted(): Readonly<Record<string, number>>;
  readonly url: string | undefined;
  /** Its Prometheus metrics (served on the operations listener, or merged by the one-process launcher). */
  readonly metrics: LedgerMetrics;
  /** What /readyz answers. */
  status(): Promise<LedgerStatus>;
  /** `http://host:port` of the operations listener (undefined: config.ops absent). */
  readonly opsUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * The ledger worker: folding consumer, checkpointer and proof API over one database pool.
 * The database must already be migrated (by a deploy step or the one-process launcher): the worker's
 * role may only read and append, never change the schema.
 */
export async function startLedger(
  config: LedgerConfig,
  log: Logger,
  hooks: LedgerHooks = {},
  options: {
    api?: boolean;
    /** Share a database the caller opened (the embedded launcher's PGlite); the caller closes it. */
    database?: DatabaseHandle;
    /** Where decisions come from; default: the Kafka consumer of `config.kafka`. */
    source?: DecisionSource;
    /** Where the receipt key directory comes from; default: the compacted topic `config.kafka.receiptKeysTopic`. */
    receiptKeys?: ReceiptKeySource;
    /** Default process metrics on its registry; default: when it serves an operations listener (the one-process launcher collects them once). */
    processMetrics?: boolean;
    /** Tracing on (docs/telemetry.md): the fold's spans and the database calls'; absent: none. */
    tracer?: Tracer;
  } = {},
): Promise<RunningLedger> {
  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, maxConnections: config.databasePoolSize, tracer: options.tracer }));
  const closeDatabase = () => (options.database ? Promise.resolve() : database.close());
  log.info({ database: redactUrl(config.databaseUrl), topic: config.kafka.topic, group: config.kafka.groupId }, 'ledger starting');
  const anchor = new CountingAnchor(new DirectoryAnchor(config.anchorDir));
  const checkpointer = new Checkpointer(database.sql, anchor, {
    signer: config.signer,
    originPrefix: config.originPrefix,
    intervalMs: config.checkpointIntervalMs,
    log,
    ...(hooks.onCheckpoint ? { onCheckpoint: hooks.onCheckpoint } : {}),
  });
  // Only decisions signed by an enforcer of their own tenant are folded; the keys come from the
  // control plane's signed directory, read whole before the first decision is.
  const directory = new ReceiptKeyDirectory(keyring(config.configPublicKeys.map((k) => verifierFromPublicKey(k))), log.child({ component: 'receipt-key-directory' }));
  const trees = new TenantTrees();
  const folder = new DecisionFolder(database.sql, trees, config.kafka.groupId, directory, options.tracer);
  const releaser = new QuarantineRelease(database.sql, trees, config.kafka.groupId, directory, log);
  const releases = new ReleaseQueue(async (tenantId, keyIds) => {
    const released = await releaser.release(tenantId, keyIds);
    hooks.onReleased?.(released, tenantId);
  }, log);
  const unlisten = directory.onLearned((tenantId, keyIds) => releases.add(tenantId, keyIds));

  // The operations listener comes up first: alive at once, ready once the consumer is in its group.
  let consumer: DecisionConsumer | undefined;
  const readiness = new LedgerReadiness({
    probeDatabase: () => database.sql.query('SELECT 1'),
    membership: () => (consumer ? (consumer.membership?.() ?? { joined: true, partitions: [] }) : undefined),
    checkpointer: () => checkpointer.status(),
    maxCheckpointAgeMs: Math.max(30_000, 40 * config.checkpointIntervalMs),
  });
  const metrics = new LedgerMetrics(
    {
      checkpointer: () => checkpointer.status(),
      anchorFailures: () => anchor.failures,
      lag: async () => consumer?.lag?.(),
      ready: () => readiness.ready,
      onLagError: (error) => log.warn({ err: error }, 'could not measure the partition lag'),
    },
    { processMetrics: options.processMetrics ?? config.ops !== undefined },
  );
  let ops: OpsServer | undefined;
  if (config.ops) {
    ops = await startOpsServer({ host: config.ops.host, port: config.ops.port, registry: metrics.registry, status: () => readiness.status() }).catch(async (error: unknown) => {
      await closeDatabase();
      throw error;
    });
  }

  let api: LedgerApi | undefined;
  if (options.api !== false) {
    const reader = new LedgerReader(database.sql, verifierFromSigner(config.signer));
    api = await startLedgerApi(reader, new ApiKeyAuthenticator(database.sql), log, config.http, config.rateLimit).catch(async (error: unknown) => {
      await ops?.close();
      await closeDatabase();
      throw error;
    });
  }
  const url = api?.url;
  checkpointer.start();
  let keys: ReceiptKeyConsumer | undefined;
  let untrusted: Readonly<Record<string, number>> = {};
  try {
    keys = options.receiptKeys
      ? await options.receiptKeys(directory)
      : await startReceiptKeyConsumer(directory, { connection: config.kafka.connection, topic: config.kafka.receiptKeysTopic, groupId: config.kafka.groupId, log });
    const onFolded = (outcome: FoldOutcome, partition: number): void => {
      untrusted = addCounts(untrusted, outcome.untrusted);
      // Held in a batch whose keys arrived meanwhile: the directory's own release may have run before the batch committed.
      for (const { tenantId, keyId } of outcome.heldKeys) if (directory.keysOf(tenantId).has(keyId)) releases.add(tenantId, [keyId]);
      if (Object.keys(outcome.untrusted).length > 0) log.warn({ partition, untrusted: outcome.untrusted, sinceStart: untrusted }, 'decisions not believed: quarantined');
      metrics.folded(outcome, partition);
      hooks.onFolded?.(outcome, partition);
    };
    consumer = options.source
      ? await options.source({ sql: database.sql, folder, log, groupId: config.kafka.groupId, onFolded })
      : await startDecisionConsumer(database.sql, folder, { ...config.kafka, log, onFolded });
  } catch (error) {
    unlisten();
    await keys?.stop();
    await releases.close();
    await checkpointer.stop();
    await api?.close();
    await ops?.close();
    await closeDatabase();
    throw error;
  }
  const running = consumer;
  log.info({ url, ops: ops?.url, anchor: anchor.description, verifierKey: verifierFromSigner(config.signer) }, 'ledger is up');

  return {
    database,
    checkpointer,
    anchor,
    directory,
    untrusted: () => untrusted,
    url,
    metrics,
    status: () => readiness.status(),
    opsUrl: ops?.url,
    stop: async () => {
      await running.stop();
      unlisten();
      await keys?.stop();
      await releases.close();
      await checkpointer.stop();
      // A graceful stop leaves every folded entry under a signed, anchored checkpoint.
      await checkpointer.tick().catch((error: unknown) => log.error({ err: error }, 'final checkpoint round failed'));
      await api?.close();
      await ops?.close();
      await closeDatabase();
    },
  };
}

/**
 * Releases run one at a time, in the background, per tenant with the keys learned meanwhile; one
 * that fails (the database away) is tried again, since a held decision must not wait for the next key.
 */
class ReleaseQueue {
  readonly #pending = new Map<string, Set<string>>();
  #running: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly run: (tenantId: string, keyIds: readonly string[]) => Promise<void>,
    private readonly log: Logger,
  ) {}

  add(tenantId: string, keyIds: readonly string[]): void {
    let keys = this.#pending.get(tenantId);
    if (!keys) this.#pending.set(tenantId, (keys = new Set()));
    for (const keyId of keyIds) keys.add(keyId);
    this.#drain();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#running;
  }

  #drain(): void {
    if (this.#running || this.#retry || this.#closed) return;
    this.#running = (async () => {
      for (const [tenantId, keys] of this.#pending) {
        if (this.#closed) return;
        this.#pending.delete(tenantId);
        try {
          await this.run(tenantId, [...keys]);
        } catch (error) {
          this.log.error({ err: error, tenantId }, 'releasing held decisions failed; retrying');
          this.add(tenantId, [...keys]);
          this.#retry = setTimeout(() => {
            this.#retry = undefined;
            this.#drain();
          }, 2_000);
          return;
        }
      }
    })().finally(() => {
      this.#running = undefined;
      if (this.#pending.size > 0) this.#drain();
    });
  }
}
