import { Query } from '@nestjs/cqrs';
import type { BaselineSubjectKind, StoredBaseline } from '../../domain/baseline.js';

/** The tenant's learned baselines, optionally of one kind or one subject. */
export class ListBaselinesQuery extends Query<StoredBaseline[]> {
  constructor(
    readonly tenantId: string,
    readonly filter: { readonly subjectKind?: BaselineSubjectKind; readonly subjectId?: string } = {},
  ) {
    super();
  }
}
