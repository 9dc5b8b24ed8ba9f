import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AgentStatus,
  BaselineSubject,
  FailMode,
  PolicyFormat,
  RevocationReason,
  TenantMode,
  type EnforcerConfigSchema,
  type RevokedCredentialSchema,
} from '@thoth/contracts';
import type { AgentRow, PolicyRow, PolicyVersionRow, TenantRow } from '@thoth/db';
import type { StoredBaseline } from '../modules/credential-governance/index.js';
import type { CredentialRecord } from '../modules/credentials/index.js';

/** A tenant's read models, as the snapshot builder reads them. */
export interface TenantState {
  readonly tenant: TenantRow;
  readonly policy: { readonly policy: PolicyRow; readonly current: PolicyVersionRow } | undefined;
  readonly agents: readonly AgentRow[];
  /** The tenant's credentials: active ones become bindings, revoked ones and rotated-out fingerprints are refused. */
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
  const active = state.credentials.filter((c) => c.credential.status === 'active');
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
    credentialBindings: active.map(({ credential, agents }) => ({
      credentialId: credential.credentialId,
      credentialFingerprint: credential.fingerprint,
      // Empty: any agent of the tenant (a credential linked to none is not restricted by agent).
      agentIds: agents.map((a) => nameOf.get(a.agentId)).filter((name): name is string => name !== undefined),
      resourcePatterns: [...credential.allowedResources],
      sourceRegions: [...credential.allowedRegions],
      sourceCidrs: [...credential.allowedCidrs],
      // The enforcer compares it at decision time: the credential fails from that instant on.
      ...(credential.expiresAt ? { expiresAt: timestampFromDate(credential.expiresAt) } : {}),
    })),
    revokedCredentials: revokedCredentialsOf(state.credentials),
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

/**
 * Fingerprints to refuse: each revoked credential's, and every fingerprint a rotation
 * replaced (rotation has no grace period), with the time it ended. A fingerprint that is an
 * active credential's again (registered anew after a revocation) is that credential's, not
 * refused; one ended twice is named once, at its earliest end.
 */
function revokedCredentialsOf(records: readonly CredentialRecord[]): MessageInitShape<typeof RevokedCredentialSchema>[] {
  const live = new Set(records.filter((r) => r.credential.status === 'active').map((r) => r.credential.fingerprint));
  const refused = new Map<string, { credentialId: string; reason: RevocationReason; since: Date }>();
  const refuse = (credentialId: string, fingerprint: string, reason: RevocationReason, since: Date): void => {
    const seen = refused.get(fingerprint);
    if (live.has(fingerprint) || (seen && seen.since.getTime() <= since.getTime())) return;
    refused.set(fingerprint, { credentialId, reason, since });
  };
  for (const { credential, fingerprints } of records) {
    for (const f of fingerprints) if (f.rotatedOutAt) refuse(credential.credentialId, f.fingerprint, RevocationReason.ROTATED_OUT, f.rotatedOutAt);
    if (credential.status === 'revoked') refuse(credential.credentialId, credential.fingerprint, RevocationReason.REVOKED, credential.revokedAt ?? credential.updatedAt);
  }
  return [...refused].map(([fingerprint, r]) => ({ credentialId: r.credentialId, credentialFingerprint: fingerprint, reason: r.reason, since: timestampFromDate(r.since) }));
}
