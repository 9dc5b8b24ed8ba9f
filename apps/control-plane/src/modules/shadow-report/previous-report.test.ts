// Shadow reports are computed once and kept as JSON (shadow_reports.report, schema_version 1): a
// report the previous release (63aae65) stored must still be served by today's API contract and
// rendered by today's page (libs/contracts/testdata/shadow-report.previous.json, written by that
// release's ShadowReportBuilder).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShadowReportBody } from './api/shadow-reports.dto.js';
import { SHADOW_REPORT_SCHEMA_VERSION, type ShadowReport } from './domain/shadow-report.js';
import { renderReportPage } from './page/report-page.js';

const stored = JSON.parse(readFileSync(new URL('../../../../../libs/contracts/testdata/shadow-report.previous.json', import.meta.url), 'utf8')) as ShadowReport;

describe('a shadow report stored by the previous release', () => {
  it('has the schema version today writes and matches the API response schema', () => {
    expect(stored.schemaVersion).toBe(SHADOW_REPORT_SCHEMA_VERSION);
    const parsed = ShadowReportBody.safeParse(stored);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(stored.totals).toMatchObject({ calls: 7, wouldDeny: 2 });
  });

  it('renders as a report page', () => {
    const html = renderReportPage(stored, { reportId: '019af000-0000-7000-8000-0000000000aa', tenantId: '00000000-0000-4000-8000-000000000001', trigger: 'on_demand', generatedBy: 'user:previous' });
    expect(html).toContain('no-refunds');
    expect(html).toContain('crm-delete-blast-radius');
  });
});
