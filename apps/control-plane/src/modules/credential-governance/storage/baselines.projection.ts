import { Inject, Injectable } from '@nestjs/common';
import { credentialBaselines } from '@thoth/db';
import type { Projection } from '../../../event-store/projection.js';
import { ProjectionRegistry } from '../../../event-store/projection.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import type { BaselineEvent } from '../domain/events/index.js';
import { BaselinesRepository } from './baselines.repository.js';

/** credential_baselines, folded from the baseline streams: the latest learned baseline per subject. */
@Injectable()
export class BaselinesProjection implements Projection {
  readonly name = 'credential-baselines';
  readonly tables = [credentialBaselines];

  constructor(@Inject(ProjectionRegistry) registry: ProjectionRegistry) {
    registry.register(this);
  }

  async apply(tx: Tx, record: RecordedEvent): Promise<void> {
    if (record.type !== 'baseline.learned') return;
    const { payload: p } = { payload: record.payload } as BaselineEvent;
    await BaselinesRepository.upsert(tx, {
      tenantId: record.tenantId,
      subjectKind: p.subjectKind,
      subjectId: p.subjectId,
      observations: p.observations,
      resourceClasses: [...p.resourceClasses],
      regions: [...p.regions],
      networks: [...p.networks],
      tools: [...p.tools],
      peakPerMinute: p.peakPerMinute,
      peakPer10Minutes: p.peakPer10Minutes,
      activeHoursUtc: [...p.activeHoursUtc],
      learnedFrom: new Date(p.learnedFrom),
      learnedUntil: new Date(p.learnedUntil),
      version: record.version,
      updatedAt: record.recordedAt,
    });
  }
}
