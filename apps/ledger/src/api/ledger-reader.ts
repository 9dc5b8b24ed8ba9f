import { fromBinary, toJson } from '@bufbuild/protobuf';
import { DecisionEventSchema } from '@thoth/contracts';
import type { SqlSession } from '@thoth/db';
import { assembleProof, consistencyProofNodes, encodeBase64, inclusionProofNodes, leafHash } from '@thoth/merkle';
import { checkpointAt, latestCheckpoint, type StoredCheckpoint } from '../checkpoint/checkpoint.repository.js';
import { EVIDENCE_BUNDLE_VERSION, type EvidenceBundle } from '../evidence/evidence-bundle.js';
import { readNodes } from '../merkle/node.repository.js';
import { findEntry, type StoredEntry } from './entry.repository.js';
import { readQuarantine, type QuarantineView } from './quarantine.repository.js';

export type ReadErrorCode = 'ledger.no_checkpoint' | 'ledger.decision_not_found' | 'ledger.not_yet_checkpointed' | 'ledger.checkpoint_not_found' | 'ledger.bad_sizes';

export class ReadError extends Error {
  constructor(
    readonly code: ReadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface InclusionProofView {
  tenantId: string;
  decisionId: string;
  leafIndex: number;
  leafHash: string;
  treeSize: number;
  hashes: string[];
  checkpoint: string;
}

type Db = Pick<SqlSession, 'query'>;

/** The role every API read runs as (migration ledger/0002): SELECT only, under row-level security. */
export const READER_ROLE = 'thoth_ledger_reader';

/**
 * What the API serves. Every read is one transaction that becomes thoth_ledger_reader and names its
 * tenant (`thoth.tenant_id`, transaction-local): row-level security then shows only that tenant's
 * entries, nodes and checkpoints, whatever a query forgets to filter. The queries filter by tenant
 * as well (indexes, and the same answer on a database without the policies).
 */
export class LedgerReader {
  constructor(
    private readonly sql: SqlSession,
    readonly verifierKey: string,
  ) {}

  async latest(tenantId: string): Promise<StoredCheckpoint> {
    return this.scoped(tenantId, (db) => this.latestIn(db, tenantId));
  }

  /** Proof to the latest checkpoint, or to the checkpoint of `size` when given. */
  async inclusionProof(tenantId: string, decisionId: string, size?: number): Promise<InclusionProofView> {
    return this.scoped(tenantId, async (db) => (await this.inclusionIn(db, tenantId, decisionId, size)).view);
  }

  async consistencyProof(tenantId: string, from: number, to: number): Promise<{ from: number; to: number; hashes: string[]; checkpoint: string }> {
    if (!(from > 0 && from <= to)) throw new ReadError('ledger.bad_sizes', `need 0 < from ≤ to, got from=${from} to=${to}`);
    return this.scoped(tenantId, async (db) => {
      const cp = await checkpointAt(db, tenantId, to);
      if (cp === undefined) throw new ReadError('ledger.checkpoint_not_found', `no checkpoint of size ${to}`);
      const plan = consistencyProofNodes(from, to);
      const hashes = assembleProof(plan, await readNodes(db, tenantId, plan.nodes));
      return { from, to, hashes: hashes.map(encodeBase64), checkpoint: cp.note };
    });
  }

  async evidenceBundle(tenantId: string, decisionId: string): Promise<EvidenceBundle> {
    return this.scoped(tenantId, async (db) => {
      const { view: proof, entry } = await this.inclusionIn(db, tenantId, decisionId);
      return {
        version: EVIDENCE_BUNDLE_VERSION,
        tenantId,
        decisionId,
        entry: toJson(DecisionEventSchema, fromBinary(DecisionEventSchema, entry.entry)) as Record<string, unknown>,
        leaf: { index: proof.leafIndex, entry: encodeBase64(entry.entry), hash: proof.leafHash },
        inclusionProof: { treeSize: proof.treeSize, hashes: proof.hashes },
        checkpoint: proof.checkpoint,
        verifierKey: this.verifierKey,
      };
    });
  }

  /** The tenant's decisions the ledger did not believe (or could not store), by reason, and the latest `limit`. */
  async quarantine(tenantId: string, limit: number): Promise<QuarantineView> {
    return this.scoped(tenantId, (db) => readQuarantine(db, tenantId, limit));
  }

  private async scoped<T>(tenantId: string, work: (db: Db) => Promise<T>): Promise<T> {
    return this.sql.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE ${READER_ROLE}`);
      await tx.query("SELECT set_config('thoth.tenant_id', $1, true)", [tenantId]);
      return work(tx);
    });
  }

  private async latestIn(db: Db, tenantId: string): Promise<StoredCheckpoint> {
    const cp = await latestCheckpoint(db, tenantId);
    if (cp === undefined) throw new ReadError('ledger.no_checkpoint', 'no signed checkpoint yet');
    return cp;
  }

  private async inclusionIn(db: Db, tenantId: string, decisionId: string, size?: number): Promise<{ view: InclusionProofView; entry: StoredEntry }> {
    const entry = await findEntry(db, tenantId, decisionId);
    // The same answer, byte for byte, for an id that exists under another tenant and one that exists nowhere.
    if (entry === undefined) throw new ReadError('ledger.decision_not_found', 'No such decision');
    const cp = size === undefined ? await this.latestIn(db, tenantId) : await checkpointAt(db, tenantId, size);
    if (cp === undefined) throw new ReadError('ledger.checkpoint_not_found', `no checkpoint of size ${size}`);
    if (entry.seq >= cp.size) {
      throw new ReadError('ledger.not_yet_checkpointed', `decision ${decisionId} is entry ${entry.seq}; the checkpoint covers ${cp.size} entries (retry within a second)`);
    }
    const plan = inclusionProofNodes(entry.seq, cp.size);
    const hashes = assembleProof(plan, await readNodes(db, tenantId, plan.nodes));
    const view = {
      tenantId,
      decisionId,
      leafIndex: entry.seq,
      leafHash: encodeBase64(leafHash(entry.entry)),
      treeSize: cp.size,
      hashes: hashes.map(encodeBase64),
      checkpoint: cp.note,
    };
    return { view, entry };
  }
}
