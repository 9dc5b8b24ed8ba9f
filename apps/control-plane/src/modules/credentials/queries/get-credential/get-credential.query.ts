import { Query } from '@nestjs/cqrs';
import type { CredentialKind } from '../../domain/events/index.js';
import type { CredentialRecord } from '../../storage/credentials.repository.js';

/** A credential as the API shows it: fingerprints only, never a secret. */
export interface CredentialView {
  id: string;
  name: string;
  kind: CredentialKind;
  provider: string;
  fingerprint: string;
  /** Earlier fingerprints, oldest first, with when each was rotated out. */
  rotatedOut: { fingerprint: string; activeFrom: string; rotatedOutAt: string }[];
  scopes: string[];
  allowedResources: string[];
  allowedLocations: { cidrs: string[]; regions: string[] };
  expiresAt: string | null;
  status: 'active' | 'revoked';
  agentIds: string[];
  registeredAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  /** The credential stream's version: the ETag, and what If-Match takes. */
  version: number;
}

export class GetCredentialQuery extends Query<CredentialView> {
  constructor(
    readonly tenantId: string,
    readonly credentialId: string,
  ) {
    super();
  }
}

export function credentialView({ credential: c, agents, fingerprints }: CredentialRecord): CredentialView {
  return {
    id: c.credentialId,
    name: c.name,
    kind: c.kind,
    provider: c.provider,
    fingerprint: c.fingerprint,
    rotatedOut: fingerprints
      .filter((f) => f.rotatedOutAt !== null)
      .map((f) => ({ fingerprint: f.fingerprint, activeFrom: f.activeFrom.toISOString(), rotatedOutAt: (f.rotatedOutAt as Date).toISOString() })),
    scopes: c.scopes,
    allowedResources: c.allowedResources,
    allowedLocations: { cidrs: c.allowedCidrs, regions: c.allowedRegions },
    expiresAt: c.expiresAt?.toISOString() ?? null,
    status: c.status,
    agentIds: agents.map((a) => a.agentId),
    registeredAt: c.registeredAt.toISOString(),
    rotatedAt: c.rotatedAt?.toISOString() ?? null,
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revokedReason: c.revokedReason,
    version: c.version,
  };
}
