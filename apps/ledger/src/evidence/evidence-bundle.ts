import { z } from 'zod';

/**
 * An evidence bundle: everything an auditor needs to check one decision without Thoth — the entry
 * decoded for reading, the exact leaf bytes it was decoded from, the inclusion proof of those bytes
 * to a signed checkpoint, and the key that signed it (which the auditor must obtain independently
 * and pass to `thoth verify --key`; the copy here is only compared against it).
 *
 * Leaf encoding (v1): `leaf.entry` is base64 of the protobuf thoth.decision.v1.DecisionEvent bytes
 * exactly as the enforcer published them to Kafka and the ledger stored them; leaf hash =
 * SHA-256(0x00 ‖ bytes) (RFC 9162). `entry` is protobuf-es `toJson` of those bytes (proto3 JSON).
 */
export const EVIDENCE_BUNDLE_VERSION = 'thoth.evidence.v1';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const EvidenceBundleSchema = z
  .object({
    version: z.string(),
    tenantId: z.string(),
    decisionId: z.string(),
    entry: z.record(z.string(), z.unknown()),
    leaf: z.object({ index, entry: base64, hash: base64 }).strict(),
    inclusionProof: z.object({ treeSize: index, hashes: z.array(base64) }).strict(),
    checkpoint: z.string(),
    verifierKey: z.string(),
  })
  .strict();

export type EvidenceBundle = z.infer<typeof EvidenceBundleSchema>;
