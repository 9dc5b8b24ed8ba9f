import {
  shadowReports,
  shadowReportViewLinks,
  type NewShadowReportRow,
  type NewShadowReportViewLinkRow,
  type ShadowReportRow,
  type ShadowReportViewLinkRow,
} from '@thoth/db';
import { and, desc, eq } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';

/** A stored report without its (large) JSON body. */
export type ShadowReportSummaryRow = Omit<ShadowReportRow, 'report'>;

const summaryColumns = {
  reportId: shadowReports.reportId,
  tenantId: shadowReports.tenantId,
  trigger: shadowReports.trigger,
  windowFrom: shadowReports.windowFrom,
  windowTo: shadowReports.windowTo,
  generatedAt: shadowReports.generatedAt,
  generatedBy: shadowReports.generatedBy,
  calls: shadowReports.calls,
  blocked: shadowReports.blocked,
  schemaVersion: shadowReports.schemaVersion,
};

/** Stored shadow reports and their view links: inserted once, read under the tenant's RLS. */
export class ShadowReportsRepository {
  constructor(private readonly database: TenantDatabase) {}

  async insert(row: NewShadowReportRow): Promise<void> {
    await this.database.transaction(row.tenantId, (tx) => tx.insert(shadowReports).values(row));
  }

  async find(tenantId: string, reportId: string): Promise<ShadowReportRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(shadowReports)
        .where(and(eq(shadowReports.tenantId, tenantId), eq(shadowReports.reportId, reportId)));
      return row;
    });
  }

  /** The most recently generated report (then the greatest id, for equal times). */
  async latest(tenantId: string): Promise<ShadowReportRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(shadowReports)
        .where(eq(shadowReports.tenantId, tenantId))
        .orderBy(desc(shadowReports.generatedAt), desc(shadowReports.reportId))
        .limit(1);
      return row;
    });
  }

  /** Newest first, without the report bodies. */
  async list(tenantId: string, limit: number): Promise<ShadowReportSummaryRow[]> {
    return this.database.transaction(tenantId, (tx) =>
      tx
        .select(summaryColumns)
        .from(shadowReports)
        .where(eq(shadowReports.tenantId, tenantId))
        .orderBy(desc(shadowReports.generatedAt), desc(shadowReports.reportId))
        .limit(limit),
    );
  }

  async insertViewLink(row: NewShadowReportViewLinkRow): Promise<void> {
    await this.database.transaction(row.tenantId, (tx) => tx.insert(shadowReportViewLinks).values(row));
  }

  /** Inside the append transaction of shadow_report.view_link_revoked (ViewLinksProjection). */
  static async deleteViewLink(tx: Tx, tenantId: string, linkId: string): Promise<void> {
    await tx.delete(shadowReportViewLinks).where(and(eq(shadowReportViewLinks.tenantId, tenantId), eq(shadowReportViewLinks.linkId, linkId)));
  }

  async findViewLink(tenantId: string, linkId: string): Promise<ShadowReportViewLinkRow | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(shadowReportViewLinks)
        .where(and(eq(shadowReportViewLinks.tenantId, tenantId), eq(shadowReportViewLinks.linkId, linkId)));
      return row;
    });
  }
}
