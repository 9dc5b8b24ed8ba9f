import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Clock } from '../../../../platform/clock/clock.js';
import { found } from '../../../../shared/domain/domain-error.js';
import { tenantNotFound } from '../../domain/tenant.aggregate.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { GetTenantQuery, type TenantView } from './get-tenant.query.js';
import { TrialProgress } from './trial-progress.js';

@QueryHandler(GetTenantQuery)
export class GetTenantHandler implements IQueryHandler<GetTenantQuery> {
  constructor(
    @Inject(TenantsRepository) private readonly tenants: TenantsRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TrialProgress) private readonly trials: TrialProgress,
  ) {}

  async execute({ tenantId }: GetTenantQuery): Promise<TenantView> {
    const row = found(await this.tenants.findTenant(tenantId), tenantNotFound);
    const trial = await this.trials.find(tenantId);
    const active = this.clock.now() < row.trialEndsAt;
    return {
      id: row.tenantId,
      name: row.name,
      email: row.email,
      mode: row.mode,
      failMode: row.failMode,
      signedUpAt: row.signedUpAt.toISOString(),
      trial: {
        endsAt: row.trialEndsAt.toISOString(),
        active,
        status: trial?.endedAt ? 'ended' : active ? 'active' : 'ending',
        endedAt: trial?.endedAt?.toISOString() ?? null,
        reportId: trial?.reportId ?? null,
      },
      retention: { decisionDays: row.decisionRetentionDays, argumentDays: row.argumentRetentionDays },
      version: row.version,
    };
  }
}
