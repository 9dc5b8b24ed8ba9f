import { Query } from '@nestjs/cqrs';
import type { ApiKeyRole } from '../../domain/tenant-settings.js';

/** An API key as lists show it: never the key, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export class ListApiKeysQuery extends Query<ApiKeyView[]> {
  constructor(readonly tenantId: string) {
    super();
  }
}
