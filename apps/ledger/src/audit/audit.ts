import { fromBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema } from '@thoth/contracts';
import type { SqlSession } from '@thoth/db';
import {
  CompactRange,
  assembleProof,
  consistencyProofNodes,
  encodeBase64,
  equalBytes,
  leafHash,
  openCheckpoint,
  parseCheckpoint,
  verifyConsistency,
  type Checkpoint,
  type NoteVerifier,
} from '@thoth/merkle';
import type { Anchor } from '../checkpoint/anchor.js';
import { listCheckpoints } from '../checkpoint/checkpoint.repository.js';
import { readNodes } from '../merkle/node.repository.js';
import { readEntries, readTreeSize } from './audit.repository.js';

export type AuditCode =
  | 'audit.seq_gap'
  | 'audit.entry_undecodable'
  | 'audit.entry_mismatch'
  | 'audit.leaf_mismatch'
  | 'audit.leaf_node_missing'
  | 'audit.root_mismatch'
  | 'audit.checkpoint_beyond_log'
  | 'audit.checkpoint_invalid'
  | 'audit.checkpoint_differs'
  | 'audit.not_anchored'
  | 'audit.inconsistent'
  | 'audit.tree_size_mismatch';

export interface AuditFinding {
  code: AuditCode;
  message: string;
  /** The entry the finding points at: its position in the log, and the decision id found there (if any). */
  seq?: number;
  decisionId?: string;
}

export interface AuditReport {
  tenantId: string;
  ok: boolean;
  entries: number;
  storedCheckpoints: number;
  anchoredCheckpoints: number;
  signaturesChecked: boolean;
  findings: AuditFinding[];
  /** The earliest entry any finding points at. */
  firstBadEntry: { seq: number; decisionId: string | undefined; code: AuditCode } | undefined;
}

const PRECISE = new Set<AuditCode>(['audit.seq_gap', 'audit.entry_undecodable', 'audit.entry_mismatch', 'audit.leaf_mismatch', 'audit.leaf_node_missing']);

interface KnownCheckpoint {
  size: number;
  rootHash: Uint8Array;
  stored?: string;
  anchored?: string;
}

/**
 * Audits one tenant's log against what was signed. From the rows alone it recomputes every leaf
 * hash and the root at every checkpointed size, and compares them with the checkpoints stored in
 * Postgres and those in the anchor (which a database superuser cannot reach); it checks seq
 * contiguity, that each row's columns say what its bytes say, that stored and anchored checkpoints
 * agree, and the consistency proof between successive anchored checkpoints.
 */
export async function auditTenant(input: {
  sql: Pick<SqlSession, 'query'>;
  tenantId: string;
  anchor: Anchor;
  /** When given, every checkpoint's signature is checked too. */
  verifier?: NoteVerifier;
}): Promise<AuditReport> {
  const { sql, tenantId, anchor, verifier } = input;
  const findings: AuditFinding[] = [];

  // Every checkpoint known to either side, by size.
  const known = new Map<number, KnownCheckpoint>();
  const accept = (note: string, where: 'stored' | 'anchored', size: number): void => {
    const body = open(note, verifier);
    if (!body.ok) {
      findings.push({ code: 'audit.checkpoint_invalid', message: `${where} checkpoint of size ${size}: ${body.reason}` });
      return;
    }
    const cp = body.value;
    if (cp.size !== size || !cp.origin.endsWith(`/${tenantId}`)) {
      findings.push({ code: 'audit.checkpoint_invalid', message: `${where} checkpoint filed as size ${size} of ${tenantId} says size ${cp.size} of ${cp.origin}` });
      return;
    }
    const entry = known.get(size) ?? { size, rootHash: cp.rootHash };
    if (!equalBytes(entry.rootHash, cp.rootHash)) {
      findings.push({ code: 'audit.checkpoint_differs', message: `stored and anchored checkpoints of size ${size} have different roots` });
    }
    entry[where] = note;
    known.set(size, entry);
  };
  const stored = await listCheckpoints(sql, tenantId);
  for (const cp of stored) accept(cp.note, 'stored', cp.size);
  const anchoredSizes = await anchor.list(tenantId);
  for (const size of anchoredSizes) {
    const note = await anchor.get(tenantId, size);
    if (note !== undefined) accept(note, 'anchored', size);
  }
  for (const cp of known.values()) {
    if (cp.stored !== undefined && cp.anchored === undefined) {
      findings.push({ code: 'audit.not_anchored', message: `checkpoint of size ${cp.size} is in the database but not in the anchor (${anchor.description})` });
    }
    if (cp.stored !== undefined && cp.anchored !== undefined && cp.stored !== cp.anchored) {
      findings.push({ code: 'audit.checkpoint_differs', message: `stored and anchored checkpoints of size ${cp.size} are not the same note` });
    }
  }

  // Recompute from the rows.
  const sizes = [...known.keys()].sort((a, b) => a - b);
  let nextCheck = 0;
  let lastGood = 0;
  const range = CompactRange.empty();
  let expected = 0;
  for await (const row of readEntries(sql, tenantId)) {
    if (row.seq !== expected) {
      findings.push({
        code: 'audit.seq_gap',
        seq: expected,
        decisionId: row.decisionId,
        message: `seq ${expected}${row.seq > expected + 1 ? `–${row.seq - 1}` : ''} missing: the next entry is seq ${row.seq} (decision ${row.decisionId})`,
      });
      expected = row.seq;
    }
    const at = { seq: row.seq, decisionId: row.decisionId };
    try {
      const event = fromBinary(DecisionEventSchema, row.entry);
      if (event.decisionId !== row.decisionId || event.tenantId !== tenantId) {
        findings.push({ code: 'audit.entry_mismatch', ...at, message: `row says decision ${row.decisionId}, its bytes say ${event.decisionId} of tenant ${event.tenantId}` });
      }
    } catch {
      findings.push({ code: 'audit.entry_undecodable', ...at, message: `entry bytes at seq ${row.seq} are not a DecisionEvent` });
    }
    const hash = leafHash(row.entry);
    if (row.storedLeafHash === undefined) {
      findings.push({ code: 'audit.leaf_node_missing', ...at, message: `no stored leaf hash for seq ${row.seq}` });
    } else if (!equalBytes(hash, row.storedLeafHash)) {
      findings.push({ code: 'audit.leaf_mismatch', ...at, message: `entry bytes at seq ${row.seq} do not hash to the leaf recorded when it was folded` });
    }
    range.append(hash);
    expected++;
    while (nextCheck < sizes.length && sizes[nextCheck] === range.size) {
      const cp = known.get(range.size)!;
      if (equalBytes(range.root(), cp.rootHash)) {
        lastGood = cp.size;
      } else {
        findings.push({
          code: 'audit.root_mismatch',
          seq: lastGood,
          message: `root recomputed from the first ${cp.size} rows is ${encodeBase64(range.root())}, the signed checkpoint says ${encodeBase64(cp.rootHash)}; the difference lies in seq ${lastGood}–${cp.size - 1}`,
        });
      }
      nextCheck++;
    }
  }
  for (const size of sizes.slice(nextCheck)) {
    findings.push({ code: 'audit.checkpoint_beyond_log', seq: range.size, message: `a checkpoint of size ${size} was signed, but only ${range.size} rows remain: seq ${range.size}… missing` });
  }
  const treeSize = await readTreeSize(sql, tenantId);
  if ((treeSize ?? 0) !== range.size) {
    findings.push({ code: 'audit.tree_size_mismatch', seq: Math.min(treeSize ?? 0, range.size), message: `ledger_trees says ${treeSize ?? 0} entries, ${range.size} rows found` });
  }

  // Append-only between successive anchored checkpoints, proven with the stored nodes the API serves.
  const anchored = sizes.filter((s) => known.get(s)?.anchored !== undefined);
  for (let i = 1; i < anchored.length; i++) {
    const from = known.get(anchored[i - 1]!)!;
    const to = known.get(anchored[i]!)!;
    if (from.size === 0) continue;
    try {
      const plan = consistencyProofNodes(from.size, to.size);
      const proof = assembleProof(plan, await readNodes(sql, tenantId, plan.nodes));
      const consistent = verifyConsistency(from.size, to.size, from.rootHash, to.rootHash, proof);
      if (!consistent.ok) {
        findings.push({ code: 'audit.inconsistent', seq: from.size, message: `anchored checkpoints ${from.size} → ${to.size}: ${consistent.reason}` });
      }
    } catch (error) {
      findings.push({ code: 'audit.inconsistent', seq: from.size, message: `anchored checkpoints ${from.size} → ${to.size}: ${(error as Error).message}` });
    }
  }

  // Findings about one row name it exactly; root and consistency findings only bound a range.
  const rank = (f: AuditFinding): number => (PRECISE.has(f.code) ? 0 : 1);
  const pointed = findings.filter((f) => f.seq !== undefined).sort((a, b) => rank(a) - rank(b) || a.seq! - b.seq!);
  const first = pointed[0];
  return {
    tenantId,
    ok: findings.length === 0,
    entries: range.size,
    storedCheckpoints: stored.length,
    anchoredCheckpoints: anchoredSizes.length,
    signaturesChecked: verifier !== undefined,
    findings,
    firstBadEntry: first && { seq: first.seq!, decisionId: first.decisionId ?? (await decisionAt(sql, tenantId, first.seq!)), code: first.code },
  };
}

function open(note: string, verifier: NoteVerifier | undefined): { ok: true; value: Checkpoint } | { ok: false; reason: string } {
  if (verifier !== undefined) {
    const opened = openCheckpoint(note, [verifier]);
    return opened.ok ? { ok: true, value: opened.value.checkpoint } : { ok: false, reason: `${opened.code}: ${opened.reason}` };
  }
  const split = note.indexOf('\n\n');
  const parsed = parseCheckpoint(split < 0 ? note : note.slice(0, split + 1));
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, reason: `${parsed.code}: ${parsed.reason}` };
}

async function decisionAt(sql: Pick<SqlSession, 'query'>, tenantId: string, seq: number): Promise<string | undefined> {
  const [row] = await sql.query<{ decision_id: string }>('SELECT decision_id FROM ledger_entries WHERE tenant_id = $1 AND seq = $2', [tenantId, seq]);
  return row?.decision_id;
}
