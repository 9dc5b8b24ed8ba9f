import type { MessageInitShape } from '@bufbuild/protobuf';
import { AgentStatus, BaselineSubject, FailMode, PolicyFormat, TenantMode, type EnforcerConfigSchema } from '@thoth/contracts';
import type { AgentRow, PolicyRow, PolicyVersionRow, TenantRow } from '@thoth/db';
import type { StoredBaseline } from '../modules/credential-governance/index.js';
import type { CredentialRecord } from '../modules/credentials/projections/credentials.repository.js';

/** A tenant's read models, as the snapshot builder reads them. */
export interface TenantState {
  readonly tenant: TenantRow;
  readonly policy: { readonly policy: PolicyRow; readonly current: PolicyVersionRow } | undefined;
  readonly agents: readonly AgentRow[];
  /** Active credentials only. */
  readonly credentials: readonly CredentialRecord[];
  /** Learned baselines (credential fingerprints, agent names), for the policy's drift checks. */
  readonly baselines?: readonly StoredBaseline[];
}

const STATUS: Record<AgentRow['status'], AgentStatus> = {
  active: AgentStatus.ACTIVE,
  suspended: AgentStatus.SUSPENDED,
  retired: AgentStatus.RETIRED,
};

/**
 * What an enforcer must know of a tenant (EnforcerConfig, before versioning and signing).
 * Policies name agents by their name (a slug unique in the tenant), so the snapshot's
 * agent ids are names and credential bindings are mapped from agent UUIDs to names.
 * Shadow wins: the tenant's trial or the policy's own mode is enough to observe only.
 * Arguments are retained in decision events exactly while in shadow (the trial): the shadow
 * report's replay evaluates CEL conditions over them. In enforce mode only their digest is kept.
 */
export function enforcerConfigOf(state: TenantState): MessageInitShape<typeof EnforcerConfigSchema> {
  const { tenant, policy } = state;
  const nameOf = new Map(state.agents.map((a) => [a.agentId, a.name]));
  const shadow = tenant.mode === 'shadow' || policy?.policy.mode === 'shadow';
  return {
    tenantId: tenant.tenantId,
    mode: shadow ? TenantMode.SHADOW : TenantMode.ENFORCE,
    failMode: tenant.failMode === 'open' ? FailMode.OPEN : FailMode.CLOSED,
    retainArguments: shadow,
    ...(policy
      ? {
          policy: {
            version: BigInt(policy.current.version),
            format: policy.current.format === 'json' ? PolicyFormat.JSON : PolicyFormat.YAML,
            content: new TextEncoder().encode(policy.current.source),
          },
        }
      : {}),
    agents: state.agents.map((a) => ({ agentId: a.name, status: STATUS[a.status], labels: { ...a.labels }, tokenSha256: [a.tokenHash] })),
    credentialBindings: state.credentials.map(({ credential, agents }) => ({
      credentialId: credential.credentialId,
      credentialFingerprint: credential.fingerprint,
      // Empty: any agent of the tenant (a credential linked to none is not restricted by agent).
      agentIds: agents.map((a) => nameOf.get(a.agentId)).filter((name): name is string => name !== undefined),
      resourcePatterns: [...credential.allowedResources],
      sourceRegions: [...credential.allowedRegions],
      sourceCidrs: [...credential.allowedCidrs],
    })),
    baselines: (state.baselines ?? []).map((b) => ({
      subjectKind: b.subjectKind === 'credential' ? BaselineSubject.CREDENTIAL : BaselineSubject.AGENT,
      subjectId: b.subjectId,
      observations: BigInt(b.observations),
      resourceClasses: [...b.resourceClasses],
      sourceRegions: [...b.regions],
      sourceNetworks: [...b.networks],
      tools: [...b.tools],
      peakCallsPerMinute: b.peakPerMinute,
      peakCallsPer10Minutes: b.peakPer10Minutes,
      activeHoursUtc: b.activeHoursUtc.reduce((mask, h) => mask | (1 << h), 0),
    })),
  };
}
