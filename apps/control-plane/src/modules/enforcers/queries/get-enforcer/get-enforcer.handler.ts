import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { found } from '../../../../shared/domain/domain-error.js';
import { enforcerNotFound } from '../../domain/enforcer.errors.js';
import { EnforcersRepository } from '../../storage/enforcers.repository.js';
import { enforcerView, GetEnforcerQuery, type EnforcerView } from './get-enforcer.query.js';

@QueryHandler(GetEnforcerQuery)
export class GetEnforcerHandler implements IQueryHandler<GetEnforcerQuery> {
  constructor(@Inject(EnforcersRepository) private readonly enforcers: EnforcersRepository) {}

  async execute({ tenantId, enforcerId }: GetEnforcerQuery): Promise<EnforcerView> {
    const row = found(await this.enforcers.find(tenantId, enforcerId), enforcerNotFound);
    return enforcerView(row, await this.enforcers.receiptKeys(tenantId, enforcerId));
  }
}
