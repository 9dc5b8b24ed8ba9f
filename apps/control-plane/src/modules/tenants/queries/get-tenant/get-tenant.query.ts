import { Query } from '@nestjs/cqrs';
import type { FailMode, Retention, TenantMode } from '../../domain/tenant-settings.js';

export interface TenantView {
  id: string;
  name: string;
  email: string;
  mode: TenantMode;
  failMode: FailMode;
  signedUpAt: string;
  /**
   * The seven-day shadow trial: `active` until endsAt; then `ending` until the trial scheduler
   * records its end (modules/trial), `ended` after, with the day-seven shadow report once made.
   */
  trial: { endsAt: string; active: boolean; status: 'active' | 'ending' | 'ended'; endedAt: string | null; reportId: string | null };
  /** How long decisions and their retained arguments are kept (docs/retention.md). */
  retention: Retention;
  /** The tenant stream's version: GET answers it as the ETag, PUTs take it in If-Match. */
  version: number;
}

export class GetTenantQuery extends Query<TenantView> {
  constructor(readonly tenantId: string) {
    super();
  }
}
