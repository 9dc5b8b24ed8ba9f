import { fromBinary, toJson } from '@bufbuild/protobuf';
import { DecisionEventSchema } from '@thoth/contracts';
import type { SqlSession } from '@thoth/db';
import { assembleProof, consistencyProofNodes, encodeBase64, inclusionProofNodes, leafHash } from '@thoth/merkle';
import { checkpointAt, latestCheckpoint, type StoredCheckpoint } from '../checkpoint/checkpoint.repository.js';
import { EVIDENCE_BUNDLE_VERSION, type EvidenceBundle } from '../evidence/evidence-bundle.js';
import { readNodes } from '../merkle/node.repository.js';
import { findEntry } from './entry.repository.js';

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

/** What the API serves; every read is scoped by tenant. */
export class LedgerReader {
  constructor(
    private readonly sql: SqlSession,
    readonly verifierKey: string,
  ) {}

  async latest(tenantId: string): Promise<StoredCheckpoint> {
    const cp = await latestCheckpoint(this.sql, tenantId);
    if (cp === undefined) throw new ReadError('ledger.no_checkpoint', `tenant ${tenantId} has no signed checkpoint yet`);
    return cp;
  }

  /** Proof to the latest checkpoint, or to the checkpoint of `size` when given. */
  async inclusionProof(tenantId: string, decisionId: string, size?: number): Promise<InclusionProofView> {
    const entry = await findEntry(this.sql, tenantId, decisionId);
    if (entry === undefined) throw new ReadError('ledger.decision_not_found', `tenant ${tenantId} has no decision ${decisionId}`);
    const cp = size === undefined ? await this.latest(tenantId) : await checkpointAt(this.sql, tenantId, size);
    if (cp === undefined) throw new ReadError('ledger.checkpoint_not_found', `tenant ${tenantId} has no checkpoint of size ${size}`);
    if (entry.seq >= cp.size) {
      throw new ReadError('ledger.not_yet_checkpointed', `decision ${decisionId} is entry ${entry.seq}; the checkpoint covers ${cp.size} entries (retry within a second)`);
    }
    const plan = inclusionProofNodes(entry.seq, cp.size);
    const hashes = assembleProof(plan, await readNodes(this.sql, tenantId, plan.nodes));
    return {
      tenantId,
      decisionId,
      leafIndex: entry.seq,
      leafHash: encodeBase64(leafHash(entry.entry)),
      treeSize: cp.size,
      hashes: hashes.map(encodeBase64),
      checkpoint: cp.note,
    };
  }

  async consistencyProof(tenantId: string, from: number, to: number): Promise<{ from: number; to: number; hashes: string[]; checkpoint: string }> {
    if (!(from > 0 && from <= to)) throw new ReadError('ledger.bad_sizes', `need 0 < from ≤ to, got from=${from} to=${to}`);
    const cp = await checkpointAt(this.sql, tenantId, to);
    if (cp === undefined) throw new ReadError('ledger.checkpoint_not_found', `tenant ${tenantId} has no checkpoint of size ${to}`);
    const plan = consistencyProofNodes(from, to);
    const hashes = assembleProof(plan, await readNodes(this.sql, tenantId, plan.nodes));
    return { from, to, hashes: hashes.map(encodeBase64), checkpoint: cp.note };
  }

  async evidenceBundle(tenantId: string, decisionId: string): Promise<EvidenceBundle> {
    const proof = await this.inclusionProof(tenantId, decisionId);
    const entry = (await findEntry(this.sql, tenantId, decisionId))!;
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
  }
}
