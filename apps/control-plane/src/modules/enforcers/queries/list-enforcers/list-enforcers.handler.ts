import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EnforcersRepository } from '../../storage/enforcers.repository.js';
import { enforcerView, type EnforcerView } from '../get-enforcer/get-enforcer.query.js';
import { ListEnforcersQuery } from './list-enforcers.query.js';

@QueryHandler(ListEnforcersQuery)
export class ListEnforcersHandler implements IQueryHandler<ListEnforcersQuery> {
  constructor(@Inject(EnforcersRepository) private readonly enforcers: EnforcersRepository) {}

  async execute({ tenantId }: ListEnforcersQuery): Promise<EnforcerView[]> {
    const [rows, keys] = await Promise.all([this.enforcers.list(tenantId), this.enforcers.receiptKeys(tenantId)]);
    return rows.map((row) => enforcerView(row, keys));
  }
}
