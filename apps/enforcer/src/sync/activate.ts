import type { SignedSnapshot } from '@thoth/contracts';
import { compileSnapshot, openSnapshot, type Keyring } from '@thoth/snapshot';
import { activeTenant, type ActiveSnapshots, type ActiveTenant } from './active-snapshots.js';

export type ActivationErrorCode =
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'MALFORMED_SNAPSHOT'
  | 'SNAPSHOT_MISMATCH'
  | 'CONTENT_HASH_MISMATCH'
  | 'POLICY_INVALID'
  | 'STALE_VERSION';

export type Activation =
  | { readonly ok: true; readonly tenant: ActiveTenant; readonly unchanged: boolean }
  | { readonly ok: false; readonly code: ActivationErrorCode; readonly message: string };

/**
 * verify → compile → atomic swap. Any failure leaves the tenant's active snapshot as it
 * was. An older version than the active one is refused (a lagging control-plane replica
 * must not roll an enforcer back); the active version again is a no-op.
 */
export function activate(
  store: ActiveSnapshots,
  signed: SignedSnapshot,
  trusted: Keyring,
  now: number,
  expect: { tenantId?: string; version?: bigint } = {},
): Activation {
  const opened = openSnapshot(signed, trusted, expect);
  if (!opened.ok) return opened;
  const { config } = opened;
  const current = store.get(config.tenantId);
  if (current && config.version < current.version) {
    return { ok: false, code: 'STALE_VERSION', message: `version ${config.version} is older than the active ${current.version}` };
  }
  if (current && config.version === current.version && config.contentHash === current.contentHash) {
    return { ok: true, tenant: current, unchanged: true };
  }
  // A policy document already compiled (for this tenant's previous version, or for any
  // other tenant publishing the same document) is only re-bound to this tenant's context.
  const documentKey = config.policy ? `${config.policy.format}:${config.policy.contentHash}` : undefined;
  const reuse =
    current && config.policy && current.policyHash === config.policy.contentHash
      ? current.policy
      : documentKey !== undefined
        ? store.compiledPolicy(documentKey)
        : undefined;
  const compiled = compileSnapshot(config, reuse);
  if (!compiled.ok) return { ok: false, code: compiled.code, message: compiled.message };
  if (documentKey !== undefined) store.rememberPolicy(documentKey, compiled.policy);
  const tenant = activeTenant(config, compiled.policy, now);
  store.swap(tenant);
  return { ok: true, tenant, unchanged: false };
}
