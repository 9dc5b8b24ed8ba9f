import { fromBinary, toJson } from '@bufbuild/protobuf';
import { DecisionEventSchema, type DecisionEvent } from '@thoth/contracts';
import { decodeBase64, encodeBase64, equalBytes, leafHash, openCheckpoint, parseVerifierKey, verifyInclusion } from '@thoth/merkle';
import { EVIDENCE_BUNDLE_VERSION, EvidenceBundleSchema } from './evidence-bundle.js';

/** Stable reasons a bundle does not verify; each names the first check that failed. */
export type VerifyErrorCode =
  | 'bundle.malformed'
  | 'bundle.unsupported_version'
  | 'bundle.key_mismatch'
  | 'key.malformed'
  | 'checkpoint.bad_signature'
  | 'checkpoint.unknown_key'
  | 'checkpoint.malformed'
  | 'checkpoint.wrong_origin'
  | 'leaf.malformed'
  | 'leaf.undecodable'
  | 'leaf.hash_mismatch'
  | 'entry.wrong_decision'
  | 'entry.fields_mismatch'
  | 'proof.malformed'
  | 'proof.size_mismatch'
  | 'proof.bad_size'
  | 'proof.bad_hash'
  | 'proof.bad_length'
  | 'proof.root_mismatch';

export interface VerifiedEvidence {
  tenantId: string;
  decisionId: string;
  leafIndex: number;
  treeSize: number;
  origin: string;
  event: DecisionEvent;
}

export type VerifyResult = { ok: true; value: VerifiedEvidence } | { ok: false; code: VerifyErrorCode; reason: string };

const fail = (code: VerifyErrorCode, reason: string): VerifyResult => ({ ok: false, code, reason });

/**
 * Offline verification with nothing but the bundle and the verifier key the auditor trusts:
 * 1. the checkpoint's signature, by that key, and its origin names the bundle's tenant;
 * 2. the leaf bytes decode to a DecisionEvent whose fields are exactly the `entry` shown;
 * 3. SHA-256(0x00 ‖ leaf bytes) leads through the inclusion proof to the checkpoint's root.
 */
export function verifyEvidenceBundle(bundleText: string | Uint8Array, verifierKey: string): VerifyResult {
  const key = parseVerifierKey(verifierKey.trim());
  if (!key.ok) return fail('key.malformed', `the verifier key given is not usable: ${key.reason}`);

  let json: unknown;
  try {
    const text = typeof bundleText === 'string' ? bundleText : new TextDecoder('utf-8', { fatal: true }).decode(bundleText);
    json = JSON.parse(text);
  } catch (error) {
    return fail('bundle.malformed', `bundle is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const parsed = EvidenceBundleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail('bundle.malformed', `${issue.path.join('.') || 'bundle'}: ${issue.message}`);
  }
  const bundle = parsed.data;
  if (bundle.version !== EVIDENCE_BUNDLE_VERSION) return fail('bundle.unsupported_version', `version ${JSON.stringify(bundle.version)} is not ${EVIDENCE_BUNDLE_VERSION}`);
  if (bundle.verifierKey !== verifierKey.trim()) return fail('bundle.key_mismatch', 'the bundle names a different verifier key than the one given');

  const opened = openCheckpoint(bundle.checkpoint, [key.value]);
  if (!opened.ok) {
    const code = opened.code === 'note.bad_signature' ? 'checkpoint.bad_signature' : opened.code === 'note.unknown_key' ? 'checkpoint.unknown_key' : 'checkpoint.malformed';
    return fail(code, `checkpoint: ${opened.reason}`);
  }
  const { checkpoint } = opened.value;
  if (!checkpoint.origin.endsWith(`/${bundle.tenantId}`)) {
    return fail('checkpoint.wrong_origin', `checkpoint origin ${checkpoint.origin} is not the log of tenant ${bundle.tenantId}`);
  }

  const bytes = decodeBase64(bundle.leaf.entry);
  if (bytes === undefined || bytes.length === 0) return fail('leaf.malformed', 'leaf.entry is not canonical base64');
  let event: DecisionEvent;
  try {
    event = fromBinary(DecisionEventSchema, bytes);
  } catch (error) {
    return fail('leaf.undecodable', `leaf bytes are not a DecisionEvent: ${(error as Error).message}`);
  }
  if (event.tenantId !== bundle.tenantId || event.decisionId !== bundle.decisionId) {
    return fail('entry.wrong_decision', `leaf bytes are decision ${event.decisionId} of tenant ${event.tenantId}, not ${bundle.decisionId} of ${bundle.tenantId}`);
  }
  const shown = firstDifference(toJson(DecisionEventSchema, event), bundle.entry, 'entry');
  if (shown !== undefined) return fail('entry.fields_mismatch', `${shown} differs from what the leaf bytes say`);

  const hash = leafHash(bytes);
  const claimed = decodeBase64(bundle.leaf.hash);
  if (claimed === undefined || !equalBytes(claimed, hash)) {
    return fail('leaf.hash_mismatch', `leaf.hash is not SHA-256(0x00 ‖ leaf bytes) = ${encodeBase64(hash)}`);
  }
  if (bundle.inclusionProof.treeSize !== checkpoint.size) {
    return fail('proof.size_mismatch', `inclusion proof is for tree size ${bundle.inclusionProof.treeSize}, the checkpoint for ${checkpoint.size}`);
  }
  const proof: Uint8Array[] = [];
  for (const [i, h] of bundle.inclusionProof.hashes.entries()) {
    const decoded = decodeBase64(h);
    if (decoded === undefined) return fail('proof.malformed', `inclusionProof.hashes.${i} is not canonical base64`);
    proof.push(decoded);
  }
  const included = verifyInclusion(bundle.leaf.index, checkpoint.size, hash, proof, checkpoint.rootHash);
  if (!included.ok) return fail(included.code, included.reason);

  return {
    ok: true,
    value: {
      tenantId: bundle.tenantId,
      decisionId: bundle.decisionId,
      leafIndex: bundle.leaf.index,
      treeSize: checkpoint.size,
      origin: checkpoint.origin,
      event,
    },
  };
}

/** The path of the first value that differs between what the bytes say and what is shown, if any. */
export function firstDifference(expected: unknown, actual: unknown, path: string): string | undefined {
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) {
    return expected === actual ? undefined : path;
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) return path;
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
  for (const key of keys) {
    if (!(key in e) || !(key in a)) return `${path}.${key}`;
    const diff = firstDifference(e[key], a[key], `${path}.${key}`);
    if (diff !== undefined) return diff;
  }
  return undefined;
}
