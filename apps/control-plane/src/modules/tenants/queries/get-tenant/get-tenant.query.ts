import { Query } from '@nestjs/cqrs';
import type { FailMode, TenantMode } from '../../domain/tenant-settings.js';

export interface TenantView {
  id: string;
  name: string;
  email: string;
  mode: TenantMode;
  failMode: FailMode;
  signedUpAt: string;
  trial: { endsAt: string; active: boolean };
  /** The tenant stream's version: GET answers it as the ETag, PUTs take it in If-Match. */
  version: number;
}

export class GetTenantQuery extends Query<TenantView> {
  constructor(readonly tenantId: string) {
    super();
  }
}
