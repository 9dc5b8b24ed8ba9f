import { Inject, Injectable } from '@nestjs/common';
import { trials } from '@thoth/db';
import type { Projection } from '../../../event-store/projection.js';
import { ProjectionRegistry } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { TenantSignedUpPayload } from '../../tenants/index.js';
import type { TrialEvent } from '../domain/events/index.js';
import { TrialsRepository } from './trials.repository.js';

/** trials: the end from the tenant's sign-up, then the trial stream's events. */
@Injectable()
export class TrialsProjection implements Projection {
  readonly name = 'trials';
  readonly tables = [trials];

  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (record.type === 'tenant.signed_up') {
      const p = record.payload as TenantSignedUpPayload;
      return TrialsRepository.insert(tx, {
        tenantId: p.tenantId,
        endsAt: new Date(p.trialEndsAt),
        reportAttempts: 0,
        version: 0,
        updatedAt: record.recordedAt,
      });
    }
    if (!record.type.startsWith('trial.')) return;
    const event = { type: record.type, payload: record.payload } as TrialEvent;
    const stamp = { version: record.version, updatedAt: record.recordedAt };
    switch (event.type) {
      case 'trial.ended':
        return TrialsRepository.update(tx, record.tenantId, {
          endedAt: new Date(event.payload.endedAt),
          reportAttempts: 1,
          reportRequestedAt: new Date(event.payload.endedAt),
          ...stamp,
        });
      case 'trial.report_retried':
        return TrialsRepository.update(tx, record.tenantId, {
          reportAttempts: event.payload.attempt,
          reportRequestedAt: new Date(event.payload.requestedAt),
          ...stamp,
        });
      case 'trial.report_recorded':
        return TrialsRepository.update(tx, record.tenantId, { reportId: event.payload.reportId, ...stamp });
    }
  }
}
