import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { StoredBaseline } from '../../domain/baseline.js';
import { BaselinesRepository } from '../../storage/baselines.repository.js';
import { ListBaselinesQuery } from './list-baselines.query.js';

@QueryHandler(ListBaselinesQuery)
export class ListBaselinesHandler implements IQueryHandler<ListBaselinesQuery> {
  constructor(@Inject(BaselinesRepository) private readonly baselines: BaselinesRepository) {}

  async execute({ tenantId, filter }: ListBaselinesQuery): Promise<StoredBaseline[]> {
    return this.baselines.list(tenantId, filter);
  }
}
