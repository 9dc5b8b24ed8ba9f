import type { SqlSession } from '@thoth/db';
import { foldSubtrees, rootNodes, signCheckpoint, type NoteSigner } from '@thoth/merkle';
import type { Logger } from 'pino';
import { readNodesOfTenants } from '../merkle/node.repository.js';
import type { Anchor } from './anchor.js';
import { findUncheckpointed, insertCheckpoints, latestCheckpoints } from './checkpoint.repository.js';
import { tenantOrigin } from './origin.js';

export interface CheckpointSigned {
  tenantId: string;
  size: number;
  note: string;
  /** Date.now() when the checkpoint was stored in both places. */
  at: number;
}

export interface CheckpointerOptions {
  signer: NoteSigner;
  originPrefix: string;
  intervalMs: number;
  log: Logger;
  onCheckpoint?: (signed: CheckpointSigned) => void;
}

/**
 * Signs a checkpoint for every tenant whose log grew, every `intervalMs` (≤ 1 s). The database row
 * is committed first, synchronously: that flushes the WAL past every fold commit the round saw
 * (folds commit asynchronously), so nothing is anchored that a Postgres crash could take back. Then
 * the anchor. A crash in between leaves a stored checkpoint not yet anchored; `start()` anchors
 * each tenant's latest stored checkpoint again (the same bytes: Ed25519 is deterministic).
 */
export class Checkpointer {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #lastRoundAt: number | undefined;
  #failedRounds = 0;
  #signed = 0;

  constructor(
    private readonly sql: SqlSession,
    private readonly anchor: Anchor,
    private readonly options: CheckpointerOptions,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#running = this.#anchorLatest().catch((error: unknown) => this.options.log.error({ err: error }, 'could not re-anchor the latest checkpoints'));
    const loop = (): void => {
      if (this.#stopped) return;
      this.#running = (this.#running ?? Promise.resolve())
        .then(() => this.tick())
        .then(() => undefined)
        .catch((error: unknown) => {
          this.#failedRounds += 1;
          this.options.log.error({ err: error }, 'checkpoint round failed; retrying next round');
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.options.intervalMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /**
   * `lastRoundAt`: Date.now() when a round last completed, leaving every entry folded before it
   * under a signed, anchored checkpoint (undefined: none yet); `running` while rounds are scheduled.
   */
  status(): { running: boolean; lastRoundAt: number | undefined; failedRounds: number; signed: number } {
    return { running: this.#running !== undefined && !this.#stopped, lastRoundAt: this.#lastRoundAt, failedRounds: this.#failedRounds, signed: this.#signed };
  }

  async #anchorLatest(): Promise<void> {
    const latest = await latestCheckpoints(this.sql);
    await Promise.all(latest.map((c) => this.anchor.put(c.tenantId, c.size, c.note)));
  }

  /** One round; returns the checkpoints it signed. */
  async tick(): Promise<CheckpointSigned[]> {
    const startedAt = Date.now();
    const due = await findUncheckpointed(this.sql);
    if (due.length === 0) {
      this.#lastRoundAt = startedAt;
      return [];
    }
    // One read for every tenant's frontier, anchor writes (each fsynced) side by side, one insert.
    const frontiers = await readNodesOfTenants(this.sql, due.map((d) => ({ tenantId: d.tenantId, ids: rootNodes(d.size) })));
    const checkpoints = due.map(({ tenantId, size }, i) => {
      const rootHash = foldSubtrees(frontiers[i]!);
      const note = signCheckpoint({ origin: tenantOrigin(this.options.originPrefix, tenantId), size, rootHash }, [this.options.signer]);
      return { tenantId, size, rootHash, note };
    });
    await insertCheckpoints(this.sql, checkpoints);
    await Promise.all(checkpoints.map((c) => this.anchor.put(c.tenantId, c.size, c.note)));
    const at = Date.now();
    this.#lastRoundAt = startedAt;
    this.#signed += checkpoints.length;
    const signed = checkpoints.map(({ tenantId, size, note }) => ({ tenantId, size, note, at }));
    for (const s of signed) this.options.onCheckpoint?.(s);
    this.options.log.debug({ checkpoints: signed.length }, 'checkpoints signed');
    return signed;
  }
}
