import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { EnforcerConfigSchema, SignedSnapshotSchema, type EnforcerConfig, type SignedSnapshot } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import type { Keyring, Signer } from './keys.js';

/** Why an enforcer refuses a snapshot: the NACK's error_code. */
export type SnapshotErrorCode =
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'MALFORMED_SNAPSHOT'
  | 'SNAPSHOT_MISMATCH'
  | 'CONTENT_HASH_MISMATCH';

export type OpenedSnapshot =
  | { readonly ok: true; readonly config: EnforcerConfig }
  | { readonly ok: false; readonly code: SnapshotErrorCode; readonly message: string };

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The config in canonical order — agents by id, bindings by credential id, baselines by
 * subject, revoked credentials by fingerprint, labels, token hashes and baseline lists
 * sorted — so that equal content always
 * encodes to equal bytes.
 */
export function normalizeConfig(config: EnforcerConfig): EnforcerConfig {
  const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return create(EnforcerConfigSchema, {
    ...config,
    agents: [...config.agents]
      .sort((a, b) => byString(a.agentId, b.agentId))
      .map((a) => ({
        ...a,
        labels: Object.fromEntries(Object.entries(a.labels).sort(([x], [y]) => byString(x, y))),
        tokenSha256: [...a.tokenSha256].sort(byString),
        revokedTokenSha256: [...a.revokedTokenSha256].sort(byString),
      })),
    credentialBindings: [...config.credentialBindings].sort((a, b) => byString(a.credentialId, b.credentialId)),
    baselines: [...config.baselines]
      .sort((a, b) => a.subjectKind - b.subjectKind || byString(a.subjectId, b.subjectId))
      .map((b) => ({
        ...b,
        resourceClasses: [...b.resourceClasses].sort(byString),
        sourceRegions: [...b.sourceRegions].sort(byString),
        sourceNetworks: [...b.sourceNetworks].sort(byString),
        tools: [...b.tools].sort(byString),
      })),
    revokedCredentials: [...config.revokedCredentials].sort(
      (a, b) => byString(a.credentialFingerprint, b.credentialFingerprint) || byString(a.credentialId, b.credentialId) || a.reason - b.reason,
    ),
  });
}

/**
 * Lowercase hex SHA-256 of the deterministic protobuf encoding of the normalized config
 * with version, content_hash and issued_at cleared: equal content, equal hash.
 */
export function snapshotContentHash(config: EnforcerConfig): string {
  const content = create(EnforcerConfigSchema, { ...normalizeConfig(config), version: 0n, contentHash: '' });
  content.issuedAt = undefined;
  return sha256Hex(toBinary(EnforcerConfigSchema, content));
}

/** Lowercase hex SHA-256 of a policy document's bytes (PolicyDocument.content_hash). */
export function policyContentHash(content: Uint8Array): string {
  return sha256Hex(content);
}

/**
 * Normalizes, fills in content hashes (the snapshot's and its policy's), encodes and
 * signs: Ed25519 over exactly the bytes carried in SignedSnapshot.snapshot.
 */
export function signSnapshot(
  init: EnforcerConfig | MessageInitShape<typeof EnforcerConfigSchema>,
  signer: Signer,
): { signed: SignedSnapshot; config: EnforcerConfig } {
  const config = normalizeConfig(create(EnforcerConfigSchema, init as MessageInitShape<typeof EnforcerConfigSchema>));
  if (config.policy) config.policy.contentHash = policyContentHash(config.policy.content);
  config.contentHash = snapshotContentHash(config);
  const bytes = toBinary(EnforcerConfigSchema, config);
  const signed = create(SignedSnapshotSchema, { snapshot: bytes, keyId: signer.keyId, signature: signer.sign(bytes) });
  return { signed, config };
}

/**
 * Verify before decode (signature over the carried bytes), then decode and check that the
 * snapshot is the one announced and that both content hashes hold.
 */
export function openSnapshot(
  signed: SignedSnapshot,
  trusted: Keyring,
  expect: { readonly tenantId?: string; readonly version?: bigint } = {},
): OpenedSnapshot {
  const verifier = trusted.get(signed.keyId);
  if (!verifier) return { ok: false, code: 'UNKNOWN_KEY', message: `snapshot signed by unknown key ${JSON.stringify(signed.keyId)}` };
  if (!verifier.verify(signed.snapshot, signed.signature)) {
    return { ok: false, code: 'BAD_SIGNATURE', message: `snapshot signature does not verify with key ${signed.keyId}` };
  }
  let config: EnforcerConfig;
  try {
    config = fromBinary(EnforcerConfigSchema, signed.snapshot);
  } catch (error) {
    return { ok: false, code: 'MALFORMED_SNAPSHOT', message: `snapshot does not decode: ${(error as Error).message}` };
  }
  if (expect.tenantId !== undefined && config.tenantId !== expect.tenantId) {
    return { ok: false, code: 'SNAPSHOT_MISMATCH', message: `snapshot is for tenant ${config.tenantId}, pushed for ${expect.tenantId}` };
  }
  if (expect.version !== undefined && config.version !== expect.version) {
    return { ok: false, code: 'SNAPSHOT_MISMATCH', message: `snapshot has version ${config.version}, pushed as ${expect.version}` };
  }
  const hash = snapshotContentHash(config);
  if (hash !== config.contentHash) {
    return { ok: false, code: 'CONTENT_HASH_MISMATCH', message: `snapshot content hash is ${config.contentHash}, content hashes to ${hash}` };
  }
  if (config.policy && policyContentHash(config.policy.content) !== config.policy.contentHash) {
    return { ok: false, code: 'CONTENT_HASH_MISMATCH', message: 'policy content does not match its content_hash' };
  }
  return { ok: true, config };
}
