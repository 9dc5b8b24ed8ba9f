import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, type OpenPage } from './chromium.js';
import { ApprovalStep_Kind, Effect, Outcome, RuleKind, Severity } from '../../libs/contracts/src/index.js';
import { generateSigningKey } from '../../libs/snapshot/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { recordOfEvent } from '../../apps/control-plane/src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey, signDecisionEvent } from '../../apps/control-plane/src/modules/decisions/ingest/test-fixtures.js';
import { DecisionIngestion } from '../../apps/control-plane/src/modules/decisions/index.js';
import { REPORT_PAGE_CSP } from '../../apps/control-plane/src/modules/shadow-report/page/report-page.js';
import { TenantDatabase } from '../../apps/control-plane/src/platform/database/tenant-database.js';
import { alertsConfig } from '../../apps/control-plane/test/integration/alerts.support.js';
import { queryAsTenant } from '../../apps/control-plane/test/integration/support/contexts.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';

// Issue 17, acceptance 2: an approval request's page in Debian's Chromium (headless, driven by
// playwright-core), opened by the signed link its alert carries. It shows the exact arguments
// (escaped: they are the agent's, and may hold markup), the rule and its reason, the expiry;
// its stylesheet and script apply under the shadow report's CSP; Approve works with an approver
// key of the tenant only — an admin key is refused (403) and the page says so.

const timestampFromMs = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const NOW = Date.parse('2026-11-02T10:00:00.000Z');
const EXPIRES = NOW + 3_600_000;
const ARGS = { orderId: 'ord-7', amount: 950, note: '<img src=x onerror="document.title=1"><script>document.title="owned"</script>' };

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let browser: OpenPage | undefined;
let page: Page;
let tenant: Awaited<ReturnType<typeof signUp>>;
let approver: { key: string; id: string };
let pageResponse: { status: number; csp: string | undefined };
let consoleErrors: string[] = [];

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(
    role.url,
    {
      distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: generateSigningKey(), keyFile: '/nonexistent/snapshot.key' },
      alerts: alertsConfig({ worker: false }),
      publicUrl: 'https://thoth.example',
    },
    new FixedClock(new Date(NOW)),
  );
  tenant = await signUp(cp.url, 'Approvals');
  const issued = await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'on-call', role: 'approver' } });
  approver = { key: issued.body.key, id: issued.body.id };
  expect((await call(cp.url, 'POST', '/v1/alert-destinations', { key: tenant.key, body: { kind: 'webhook', name: 'soc', url: 'https://203.0.113.10/hook' } })).status).toBe(201);
  await registerReceiptKey(new TenantDatabase(cp.database), tenant.tenantId);

  const decidedAt = timestampFromMs(NOW - 60_000);
  const request = decisionEvent({
    tenantId: tenant.tenantId,
    decisionId: 'apr-page-1',
    agentId: 'refund-agent',
    tool: 'payments.refund',
    resource: 'payments/orders',
    retainedArgumentsJson: new TextEncoder().encode(JSON.stringify(ARGS)),
    effect: Effect.REQUIRE_APPROVAL,
    shadow: false,
    decidedAt,
    requestedAt: decidedAt,
    matchedRules: [{ ruleId: 'refunds-over-500', reason: 'Refunds over 500 need a <b>person</b>.', severity: Severity.HIGH, kind: RuleKind.CONDITION, effect: 'approve' }],
    approval: { kind: ApprovalStep_Kind.REQUESTED, requestId: 'apr-page-1', expiresAt: timestampFromMs(EXPIRES), ruleIds: ['refunds-over-500'] },
  });
  Object.assign(request.receipt!, { outcome: Outcome.APPROVAL_REQUIRED, agentId: 'refund-agent', tool: 'payments.refund', decidedAt: request.decidedAt, reasons: ['refunds-over-500: Refunds over 500 need a <b>person</b>.'] });
  const ingested = await cp.app.get(DecisionIngestion).ingestor.ingest([{ decision: recordOfEvent(signDecisionEvent(request)), from: 'test' }]);
  expect(ingested.inserted).toBe(1);

  // The link, as the alert to the tenant's destination carries it.
  const [alert] = await queryAsTenant<{ document: { approval: { url: string } } }>(cp, tenant.tenantId, "SELECT document FROM alerts WHERE kind = 'approval'");
  const link = new URL(alert!.document.approval.url);
  const pageUrl = `${cp.url}${link.pathname}${link.search}`;
  const served = await fetch(pageUrl);
  pageResponse = { status: served.status, csp: served.headers.get('content-security-policy') ?? undefined };

  browser = await openChromium();
  ({ page, consoleErrors } = browser);
  const response = await page.goto(pageUrl);
  expect(response?.status()).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await cp?.close();
  await role?.drop();
});

/** The CSP with its two hashes named, not valued: what the pages must share. */
const shape = (csp: string) => csp.replace(/'sha256-[A-Za-z0-9+/=]+'/g, "'sha256-…'");

describe('the approval page in Chromium', () => {
  it('shows the exact arguments, escaped, the rule and its reason, and the expiry', async () => {
    expect(JSON.parse((await page.getByTestId('arguments').textContent()) ?? 'null')).toEqual(ARGS);
    // The agent's markup is text: no element was made of it, no script of it ran.
    expect(await page.locator('pre img, main script').count()).toBe(0);
    expect(await page.title()).toBe('Approval request: payments.refund by refund-agent');
    expect(await page.locator('[data-rule-id="refunds-over-500"] td').last().textContent()).toBe('Refunds over 500 need a <b>person</b>.');
    expect(await page.getByTestId('expires-at').locator('time').getAttribute('datetime')).toBe(new Date(EXPIRES).toISOString());
    expect(await page.getByTestId('status').textContent()).toBe('pending');
    expect(await page.getByTestId('agent').textContent()).toBe('refund-agent');
  });

  it('is served under the shadow report page’s CSP, which its stylesheet and one script satisfy', async () => {
    expect(pageResponse.status).toBe(200);
    expect(shape(pageResponse.csp!)).toBe(shape(REPORT_PAGE_CSP));
    expect(pageResponse.csp).not.toBe(REPORT_PAGE_CSP);
    expect(consoleErrors).toEqual([]);
    expect(await page.locator('dl.call').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display)).toBe('grid');
    expect(await page.locator('link, img, iframe, form, script[src]').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
  });

  it('approves with an approver key only: an admin key and a forged key are refused, and the page shows why', async () => {
    const result = page.getByTestId('decide-result');
    const press = async (key: string) => {
      await page.getByTestId('approver-key').fill(key);
      await page.getByTestId('approve').click();
      await expect.poll(() => result.getAttribute('data-state')).not.toBe('pending');
      return { state: await result.getAttribute('data-state'), text: await result.textContent() };
    };
    const status = async () => (await call(cp.url, 'GET', '/v1/approvals/apr-page-1', { key: approver.key })).body.status as string;

    expect(await press(tenant.key)).toEqual({ state: 'failed', text: 'Not approved: HTTP 403 auth.forbidden_role: this needs one of the roles approver; the key has admin' });
    expect(await press('thoth_sk_forged')).toEqual({ state: 'failed', text: 'Not approved: HTTP 401 auth.malformed_key: the API key is not a well-formed Thoth key' });
    const other = await signUp(cp.url, 'Someone else');
    const otherApprover = await call(cp.url, 'POST', '/v1/api-keys', { key: other.key, body: { name: 'x', role: 'approver' } });
    expect(await press(otherApprover.body.key)).toEqual({ state: 'failed', text: 'Not approved: HTTP 404 approval.not_found: no such approval request in this tenant' });
    expect(await status()).toBe('pending');

    await page.getByTestId('comment').fill('customer called, refund ok');
    expect(await press(approver.key)).toEqual({ state: 'done', text: `Approved by key:${approver.id}.` });
    expect(await page.getByTestId('approver-key').inputValue()).toBe('');
    expect(await page.getByTestId('status').textContent()).toBe('approved');
    expect((await call(cp.url, 'GET', '/v1/approvals/apr-page-1', { key: approver.key })).body).toMatchObject({ status: 'approved', decidedBy: `key:${approver.id}`, comment: 'customer called, refund ok' });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'approval-page.png'), fullPage: true });
    // Chromium logs each refused call (401, 403, 404) as a failed resource load; nothing else.
    expect(consoleErrors.filter((e) => !/status of 40[134]/.test(e))).toEqual([]);
  });
});
