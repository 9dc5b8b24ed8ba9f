import { timestampMs } from '@bufbuild/protobuf/wkt';
import {
  AgentStatus,
  BaselineSubject,
  PolicyFormat,
  RevocationReason,
  TenantMode,
  type EnforcerConfig,
} from '@thoth/contracts';
import {
  bindTenant,
  compilePolicy,
  type AgentStatus as PolicyAgentStatus,
  type CompiledPolicy,
  type PolicyError,
  type TenantContext,
} from '@thoth/policy';

export type CompiledSnapshot =
  | { readonly ok: true; readonly policy: CompiledPolicy }
  | { readonly ok: false; readonly code: 'POLICY_INVALID'; readonly message: string; readonly errors: readonly PolicyError[] };

/**
 * A tenant with no published policy yet decides on this one: nothing matches, the
 * default allows; in the shadow trial every call is recorded.
 */
export const EMPTY_POLICY = {
  apiVersion: 'thoth.dev/policy/v1',
  kind: 'Policy',
  metadata: { name: 'no-policy', version: '0' },
  defaults: { effect: 'allow', mode: 'enforce' },
} as const;

// An unset status is treated as suspended: a snapshot that forgets it fails safe.
const STATUS: Record<AgentStatus, PolicyAgentStatus> = {
  [AgentStatus.UNSPECIFIED]: 'suspended',
  [AgentStatus.ACTIVE]: 'active',
  [AgentStatus.SUSPENDED]: 'suspended',
  [AgentStatus.RETIRED]: 'retired',
};

/** Bits 0-23 of a Baseline's active_hours_utc as hours. */
function hoursOf(mask: number): number[] {
  const hours: number[] = [];
  for (let h = 0; h < 24; h++) if ((mask & (1 << h)) !== 0) hours.push(h);
  return hours;
}

/**
 * The tenant context a snapshot carries: mode, agent directory, credential bindings,
 * learned baselines, and the fingerprints to refuse (revoked, rotated out, and the
 * bindings' expiries).
 */
export function tenantContextOf(config: EnforcerConfig): TenantContext {
  const nonEmpty = (list: readonly string[]) => (list.length > 0 ? list : undefined);
  return {
    // New tenants start in the shadow trial; an unset mode is the trial's.
    mode: config.mode === TenantMode.ENFORCE ? 'enforce' : 'shadow',
    agents: config.agents.map((a) => ({ id: a.agentId, status: STATUS[a.status] ?? 'suspended', labels: a.labels })),
    credentials: config.credentialBindings.map((b) => {
      const agents = nonEmpty(b.agentIds);
      const resources = nonEmpty(b.resourcePatterns);
      const regions = nonEmpty(b.sourceRegions);
      const cidrs = nonEmpty(b.sourceCidrs);
      return {
        fingerprint: b.credentialFingerprint,
        ...(agents ? { agents } : {}),
        ...(resources ? { resources } : {}),
        ...(regions ? { regions } : {}),
        ...(cidrs ? { cidrs } : {}),
      };
    }),
    revokedCredentials: [
      ...config.revokedCredentials.map((r) => ({
        fingerprint: r.credentialFingerprint,
        reason: r.reason === RevocationReason.ROTATED_OUT ? ('rotated_out' as const) : ('revoked' as const),
        // No time: refused since the epoch (a snapshot that forgets it fails closed).
        at: r.since === undefined ? 0 : timestampMs(r.since),
      })),
      // Expiry is compared at decision time: the credential starts failing at that instant.
      ...config.credentialBindings.flatMap((b) => (b.expiresAt === undefined ? [] : [{ fingerprint: b.credentialFingerprint, reason: 'expired' as const, at: timestampMs(b.expiresAt) }])),
    ],
    // An unspecified subject is left out (the policy engine would refuse it).
    baselines: config.baselines
      .filter((b) => b.subjectKind === BaselineSubject.CREDENTIAL || b.subjectKind === BaselineSubject.AGENT)
      .map((b) => ({
        subject: b.subjectKind === BaselineSubject.CREDENTIAL ? ('credential' as const) : ('agent' as const),
        id: b.subjectId,
        observations: Number(b.observations),
        resourceClasses: b.resourceClasses,
        regions: b.sourceRegions,
        networks: b.sourceNetworks,
        tools: b.tools,
        peakPerMinute: b.peakCallsPerMinute,
        peakPer10Minutes: b.peakCallsPer10Minutes,
        activeHoursUtc: hoursOf(b.activeHoursUtc),
      })),
  };
}

/**
 * Compiles a snapshot's policy bound to its tenant context. `reuse` is a policy compiled
 * from the same document bytes (same content_hash): only the tenant is re-bound, no CEL
 * is recompiled — what a push that only suspends an agent costs.
 */
export function compileSnapshot(config: EnforcerConfig, reuse?: CompiledPolicy): CompiledSnapshot {
  const tenant = tenantContextOf(config);
  const result = reuse
    ? bindTenant(reuse, tenant)
    : config.policy
      ? compilePolicy(new TextDecoder().decode(config.policy.content), {
          format: config.policy.format === PolicyFormat.JSON ? 'json' : 'yaml',
          tenant,
        })
      : compilePolicy(EMPTY_POLICY, { tenant });
  if (result.ok) return { ok: true, policy: result.policy };
  const first = result.errors[0];
  const where = first ? ` (${first.code} at ${first.path || '/'}, line ${first.line}, column ${first.column})` : '';
  return {
    ok: false,
    code: 'POLICY_INVALID',
    message: `${result.errors.length} policy error(s); first: ${first?.message ?? 'unknown'}${where}`,
    errors: result.errors,
  };
}
