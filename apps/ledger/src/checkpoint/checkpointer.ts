import type { SqlSession } from '@thoth/db';
import { equalBytes, foldSubtrees, parseCheckpoint, rootNodes, signCheckpoint, type NoteSigner } from '@thoth/merkle';
import type { Logger } from 'pino';
import { readNodesOfTenants } from '../merkle/node.repository.js';
import type { Anchor } from './anchor.js';
import { findUncheckpointed, insertCheckpoints, latestCheckpointSize, latestCheckpoints } from './checkpoint.repository.js';
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
  /** Per tenant: sizes the anchor holds beyond the database's checkpoints, not yet reached (after a restore). */
  readonly #ahead = new Map<string, number[]>();
  /** Tenants whose log differs from a checkpoint the anchor holds: never signed again by this process. */
  readonly #forked = new Map<string, ForkFound>();

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
  status(): { running: boolean; lastRoundAt: number | undefined; failedRounds: number; signed: number; forked: ForkFound[] } {
    return {
      running: this.#running !== undefined && !this.#stopped,
      lastRoundAt: this.#lastRoundAt,
      failedRounds: this.#failedRounds,
      signed: this.#signed,
      forked: [...this.#forked.values()],
    };
  }

  async #anchorLatest(): Promise<void> {
    const latest = await latestCheckpoints(this.sql);
    await Promise.all(latest.map((c) => this.anchor.put(c.tenantId, c.size, c.note)));
  }

  /** One round; returns the checkpoints it signed. */
  async tick(): Promise<CheckpointSigned[]> {
    const startedAt = Date.now();
    const due = (await findUncheckpointed(this.sql)).filter((d) => !this.#forked.has(d.tenantId));
    if (due.length === 0) {
      this.#lastRoundAt = startedAt;
      return [];
    }
    // One read for every tenant's frontier, anchor writes (each fsynced) side by side, one insert.
    const frontiers = await readNodesOfTenants(this.sql, due.map((d) => ({ tenantId: d.tenantId, ids: rootNodes(d.size) })));
    const unforked = await this.#refuseForks(due);
    const checkpoints = due.flatMap(({ tenantId, size }, i) => {
      if (!unforked.has(tenantId)) return [];
      const rootHash = foldSubtrees(frontiers[i]!);
      const note = signCheckpoint({ origin: tenantOrigin(this.options.originPrefix, tenantId), size, rootHash }, [this.options.signer]);
      return [{ tenantId, size, rootHash, note }];
    });
    if (checkpoints.length === 0) {
      this.#lastRoundAt = startedAt;
      return [];
    }
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

  /**
   * After a restore the anchor may hold checkpoints signed after the backup, beyond what the
   * restored database has checkpointed. The log re-folded from Kafka must pass through each of
   * them; a tenant whose tree at an anchored size has another root is forked, and none of its
   * checkpoints is signed again (reported: logged as an error, in status()). Returns the tenants
   * that may be signed this round. The anchor is read once per tenant and process.
   */
  async #refuseForks(due: ReadonlyArray<{ tenantId: string; size: number }>): Promise<Set<string>> {
    const reached: Array<{ tenantId: string; size: number; anchored: Uint8Array }> = [];
    for (const { tenantId, size } of due) {
      let ahead = this.#ahead.get(tenantId);
      if (!ahead) {
        const stored = await latestCheckpointSize(this.sql, tenantId);
        ahead = (await this.anchor.list(tenantId)).filter((s) => s > stored);
        this.#ahead.set(tenantId, ahead);
      }
      for (const anchoredSize of ahead.filter((s) => s <= size)) {
        reached.push({ tenantId, size: anchoredSize, anchored: await this.#anchoredRoot(tenantId, anchoredSize) });
      }
    }
    if (reached.length > 0) {
      const roots = await readNodesOfTenants(this.sql, reached.map((r) => ({ tenantId: r.tenantId, ids: rootNodes(r.size) })));
      reached.forEach((r, i) => {
        if (!this.#forked.has(r.tenantId) && !equalBytes(foldSubtrees(roots[i]!), r.anchored)) {
          const fork: ForkFound = { code: 'checkpoint.fork', tenantId: r.tenantId, anchoredSize: r.size };
          this.#forked.set(r.tenantId, fork);
          this.options.log.error(fork, 'the log differs from a checkpoint the anchor holds (a restore re-folded it in another order?): its checkpoints are no longer signed; run thoth audit');
        }
      });
      for (const r of reached) this.#ahead.set(r.tenantId, this.#ahead.get(r.tenantId)!.filter((s) => s > r.size));
    }
    return new Set(due.map((d) => d.tenantId).filter((t) => !this.#forked.has(t)));
  }

  async #anchoredRoot(tenantId: string, size: number): Promise<Uint8Array> {
    const note = await this.anchor.get(tenantId, size);
    const body = note?.slice(0, note.indexOf('\n\n') + 1);
    const parsed = body ? parseCheckpoint(body) : undefined;
    if (!parsed?.ok) throw new Error(`the anchor's checkpoint ${tenantId}/${size} is unreadable`);
    return parsed.value.rootHash;
  }
}

export interface ForkFound {
  code: 'checkpoint.fork';
  tenantId: string;
  /** The anchored checkpoint the log does not pass through. */
  anchoredSize: number;
}
