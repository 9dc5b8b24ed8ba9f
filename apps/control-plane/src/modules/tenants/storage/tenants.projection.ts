import { Inject, Injectable } from '@nestjs/common';
import { apiKeys, tenants } from '@thoth/db';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { Projection } from '../../../event-store/projection.js';
import { ProjectionRegistry } from '../../../event-store/projection.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { TenantEvent } from '../domain/events/index.js';
import { TenantsRepository } from './tenants.repository.js';

/** tenants and api_keys, folded from the Tenant stream. */
@Injectable()
export class TenantsProjection implements Projection {
  readonly name = 'tenants';
  readonly tables = [tenants, apiKeys];

  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (!record.type.startsWith('tenant.')) return;
    const event = { type: record.type, payload: record.payload } as TenantEvent;
    const stamp = { version: record.version, updatedAt: record.recordedAt };
    switch (event.type) {
      case 'tenant.signed_up': {
        const p = event.payload;
        return TenantsRepository.insertTenant(tx, {
          tenantId: p.tenantId,
          name: p.name,
          email: p.email,
          mode: p.mode,
          failMode: p.failMode,
          signedUpAt: new Date(p.signedUpAt),
          trialEndsAt: new Date(p.trialEndsAt),
          ...stamp,
        });
      }
      case 'tenant.mode_switched':
        return TenantsRepository.updateTenant(tx, record.tenantId, { mode: event.payload.mode, ...stamp });
      case 'tenant.fail_mode_chosen':
        return TenantsRepository.updateTenant(tx, record.tenantId, { failMode: event.payload.failMode, ...stamp });
      case 'tenant.api_key_issued': {
        const p = event.payload;
        await TenantsRepository.insertApiKey(tx, {
          keyId: p.keyId,
          tenantId: record.tenantId,
          name: p.name,
          role: p.role,
          prefix: p.prefix,
          keyHash: p.keyHash,
          createdAt: new Date(p.issuedAt),
          createdBy: record.metadata.actor,
        });
        return TenantsRepository.updateTenant(tx, record.tenantId, stamp);
      }
      case 'tenant.api_key_revoked':
        await TenantsRepository.updateApiKey(tx, event.payload.keyId, { revokedAt: new Date(event.payload.revokedAt), revokedBy: record.metadata.actor });
        return TenantsRepository.updateTenant(tx, record.tenantId, stamp);
    }
  }
}
