import { openDatabase, redactUrl, type DatabaseHandle } from '@thoth/db';
import { verifierFromSigner } from '@thoth/merkle';
import type { Logger } from 'pino';
import { ApiKeyAuthenticator } from './api/authenticate.js';
import { startLedgerApi, type LedgerApi } from './api/ledger-api.js';
import { LedgerReader } from './api/ledger-reader.js';
import { DirectoryAnchor, type Anchor } from './checkpoint/anchor.js';
import { Checkpointer, type CheckpointSigned } from './checkpoint/checkpointer.js';
import type { LedgerConfig } from './config/config.js';
import { startDecisionConsumer, type DecisionConsumer } from './consume/decision-consumer.js';
import type { DecisionSource } from './consume/in-process-source.js';
import { DecisionFolder, type FoldOutcome } from './fold/decision-folder.js';
import { TenantTrees } from './merkle/tenant-trees.js';

export interface LedgerHooks {
  onFolded?: (outcome: FoldOutcome, partition: number) => void;
  onCheckpoint?: (signed: CheckpointSigned) => void;
}

export interface RunningLedger {
  readonly database: DatabaseHandle;
  readonly checkpointer: Checkpointer;
  readonly anchor: Anchor;
  readonly url: string | undefined;
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
  } = {},
): Promise<RunningLedger> {
  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, maxConnections: config.databasePoolSize }));
  const closeDatabase = () => (options.database ? Promise.resolve() : database.close());
  log.info({ database: redactUrl(config.databaseUrl), topic: config.kafka.topic, group: config.kafka.groupId }, 'ledger starting');
  const anchor = new DirectoryAnchor(config.anchorDir);
  const checkpointer = new Checkpointer(database.sql, anchor, {
    signer: config.signer,
    originPrefix: config.originPrefix,
    intervalMs: config.checkpointIntervalMs,
    log,
    ...(hooks.onCheckpoint ? { onCheckpoint: hooks.onCheckpoint } : {}),
  });
  const folder = new DecisionFolder(database.sql, new TenantTrees(), config.kafka.groupId);

  let api: LedgerApi | undefined;
  if (options.api !== false) {
    const reader = new LedgerReader(database.sql, verifierFromSigner(config.signer));
    api = await startLedgerApi(reader, new ApiKeyAuthenticator(database.sql), log, config.http, config.rateLimit).catch(async (error: unknown) => {
      await closeDatabase();
      throw error;
    });
  }
  const url = api?.url;
  checkpointer.start();
  let consumer: DecisionConsumer;
  try {
    const onFolded = hooks.onFolded ? { onFolded: hooks.onFolded } : {};
    consumer = options.source
      ? await options.source({ sql: database.sql, folder, log, groupId: config.kafka.groupId, ...onFolded })
      : await startDecisionConsumer(database.sql, folder, { ...config.kafka, log, ...onFolded });
  } catch (error) {
    await checkpointer.stop();
    await api?.close();
    await closeDatabase();
    throw error;
  }
  log.info({ url, anchor: anchor.description, verifierKey: verifierFromSigner(config.signer) }, 'ledger is up');

  return {
    database,
    checkpointer,
    anchor,
    url,
    stop: async () => {
      await consumer.stop();
      await checkpointer.stop();
      // A graceful stop leaves every folded entry under a signed, anchored checkpoint.
      await checkpointer.tick().catch((error: unknown) => log.error({ err: error }, 'final checkpoint round failed'));
      await api?.close();
      await closeDatabase();
    },
  };
}
