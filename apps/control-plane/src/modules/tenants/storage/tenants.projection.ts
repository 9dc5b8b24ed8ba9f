import { Inject, Injectable } from '@nestjs/common';
import { apiKeys, tenants } from '@thoth/db';
import type { Tx } from '../../../platform/database/tenant-database.js';
import { AggregateProjection, ProjectionRegistry, type RowStamp } from '../../../event-store/projection.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { TenantEvent } from '../domain/events/index.js';
import { TenantsRepository } from './tenants.repository.js';

/** tenants and api_keys, folded from the Tenant stream. */
@Injectable()
export class TenantsProjection extends AggregateProjection<TenantEvent> {
  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    super(registry, 'tenants', [tenants, apiKeys], 'tenant.');
  }

  protected async fold(tx: Tx, event: TenantEvent, stamp: RowStamp, record: RecordedEvent): Promise<void> {
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
      case 'tenant.retention_set':
        return TenantsRepository.updateTenant(tx, record.tenantId, {
          decisionRetentionDays: event.payload.decisionDays,
          argumentRetentionDays: event.payload.argumentDays,
          ...stamp,
        });
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
