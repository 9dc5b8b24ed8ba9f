import { Inject, Injectable } from '@nestjs/common';
import { credentialAgents, credentialFingerprints, credentials } from '@thoth/db';
import { AggregateProjection, ProjectionRegistry, type RowStamp } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { CredentialEvent } from '../domain/events/index.js';
import { CredentialsRepository } from './credentials.repository.js';

/** credentials, credential_fingerprints and credential_agents, folded from the Credential streams. */
@Injectable()
export class CredentialsProjection extends AggregateProjection<CredentialEvent> {
  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    super(registry, 'credentials', [credentials, credentialFingerprints, credentialAgents], 'credential.');
  }

  protected async fold(tx: Tx, event: CredentialEvent, stamp: RowStamp, record: RecordedEvent): Promise<void> {
    switch (event.type) {
      case 'credential.registered': {
        const p = event.payload;
        const registeredAt = new Date(p.registeredAt);
        await CredentialsRepository.insert(tx, {
          credentialId: p.credentialId,
          tenantId: p.tenantId,
          name: p.name,
          kind: p.kind,
          provider: p.provider,
          fingerprint: p.fingerprint,
          scopes: [...p.scopes],
          allowedResources: [...p.allowedResources],
          allowedCidrs: [...p.allowedCidrs],
          allowedRegions: [...p.allowedRegions],
          expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt),
          status: 'active',
          registeredAt,
          ...stamp,
        });
        return CredentialsRepository.addFingerprint(tx, { tenantId: p.tenantId, credentialId: p.credentialId, fingerprint: p.fingerprint, activeFrom: registeredAt });
      }
      case 'credential.agent_linked': {
        const p = event.payload;
        await CredentialsRepository.linkAgent(tx, { tenantId: record.tenantId, credentialId: p.credentialId, agentId: p.agentId, linkedAt: new Date(p.linkedAt) });
        return CredentialsRepository.update(tx, p.credentialId, stamp);
      }
      case 'credential.agent_unlinked': {
        const p = event.payload;
        await CredentialsRepository.unlinkAgent(tx, p.credentialId, p.agentId);
        return CredentialsRepository.update(tx, p.credentialId, stamp);
      }
      case 'credential.rotated': {
        const p = event.payload;
        const at = new Date(p.rotatedAt);
        await CredentialsRepository.rotateOutFingerprint(tx, p.credentialId, p.previousFingerprint, at);
        await CredentialsRepository.addFingerprint(tx, { tenantId: record.tenantId, credentialId: p.credentialId, fingerprint: p.fingerprint, activeFrom: at });
        return CredentialsRepository.update(tx, p.credentialId, {
          fingerprint: p.fingerprint,
          expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt),
          rotatedAt: at,
          ...stamp,
        });
      }
      case 'credential.revoked': {
        const p = event.payload;
        return CredentialsRepository.update(tx, p.credentialId, { status: 'revoked', revokedAt: new Date(p.revokedAt), revokedReason: p.reason, ...stamp });
      }
    }
  }
}
