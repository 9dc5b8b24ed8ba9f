import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium, type OpenPage } from './chromium.js';
import { Effect, RuleKind, Severity } from '../../libs/contracts/src/index.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { recordOfEvent } from '../../apps/control-plane/src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey } from '../../apps/control-plane/src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../apps/control-plane/src/platform/database/tenant-database.js';
import { DecisionIngestion } from '../../apps/control-plane/src/modules/decisions/index.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';

// Issue 8, acceptance 2: the report page in Debian's Chromium (headless, driven by
// playwright-core; never Playwright's own browsers), opened with a view link. Its key figures
// match the known traffic, its stylesheet and script apply under the page's CSP (no violation
// is reported), print media hides the switch, and its button switches the tenant to enforce
// with an admin key of that tenant only; screenshots go to test/artifacts/.

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-05-04T00:00:00.000Z');
const clock = new FixedClock(new Date(T0 + 7 * DAY));

/**
 * The known week: crm-agent 10 reads a day; billing-agent 4 payments a day on days 0–3;
 * sync-agent 2 reads a day; 5 crm deletes on day 2 would have been denied by no-crm-deletes,
 * one table drop on day 5 by no-drops (critical).
 */
function knownWeek(tenantId: string) {
  const events: Parameters<typeof decisionEvent>[0][] = [];
  const at = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 });
  const allowed = { effect: Effect.ALLOW, shadow: false, matchedRules: [] };
  let n = 0;
  const id = () => `w-${String(++n).padStart(4, '0')}`;
  for (let day = 0; day < 7; day++) {
    for (let i = 0; i < 10; i++) events.push({ tenantId, decisionId: id(), agentId: 'crm-agent', tool: 'crm.read_contacts', resource: 'crm/contacts', decidedAt: at(T0 + day * DAY + (8 + i) * HOUR), ...allowed });
    if (day < 4) {
      for (let i = 0; i < 4; i++) {
        events.push({ tenantId, decisionId: id(), agentId: 'billing-agent', tool: 'billing.pay', resource: 'billing/invoices', credentialFingerprint: 'e'.repeat(64), decidedAt: at(T0 + day * DAY + (9 + i) * HOUR), ...allowed });
      }
    }
    for (let i = 0; i < 2; i++) events.push({ tenantId, decisionId: id(), agentId: 'sync-agent', tool: 'crm.read_contacts', resource: 'crm/contacts', decidedAt: at(T0 + day * DAY + (10 + i) * HOUR), ...allowed });
  }
  for (let i = 0; i < 5; i++) {
    // The fixture's default: a shadow denial by no-crm-deletes.
    events.push({ tenantId, decisionId: id(), agentId: 'crm-agent', tool: 'crm.delete_contact', resource: 'crm/contacts', decidedAt: at(T0 + 2 * DAY + 14 * HOUR + i * 60_000) });
  }
  events.push({
    tenantId,
    decisionId: id(),
    agentId: 'crm-agent',
    tool: 'crm.drop_table',
    resource: 'crm/executives',
    decidedAt: at(T0 + 5 * DAY + 16 * HOUR),
    effect: Effect.ALLOW,
    shadow: true,
    matchedRules: [{ ruleId: 'no-drops', reason: 'Nobody drops tables.', severity: Severity.CRITICAL, kind: RuleKind.CONDITION, effect: 'deny' }],
  });
  return events;
}

const PER_DAY = [16, 16, 21, 16, 12, 13, 12];
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let browser: OpenPage | undefined;
let page: Page;
let pageUrl: string;
let tenant: Awaited<ReturnType<typeof signUp>>;
let consoleErrors: string[] = [];

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, {}, clock);
  tenant = await signUp(cp.url, 'Browser');
  // The known week is signed with the test enforcer's key, registered as its enforcer announced it.
  await registerReceiptKey(new TenantDatabase(cp.database), tenant.tenantId);
  const ingestion = cp.app.get(DecisionIngestion);
  const ingested = await ingestion.ingestor.ingest(knownWeek(tenant.tenantId).map((e) => ({ decision: recordOfEvent(decisionEvent(e)), from: 'test' })));
  expect(ingested.quarantined).toEqual({});
  const window = { from: new Date(T0).toISOString(), to: new Date(T0 + 7 * DAY).toISOString() };
  const report = await call(cp.url, 'POST', '/v1/shadow-reports', { key: tenant.key, body: { window } });
  expect(report.status).toBe(201);
  const link = await call(cp.url, 'POST', `/v1/shadow-reports/${report.body.id}/view-links`, { key: tenant.key });
  expect(link.status).toBe(201);
  pageUrl = cp.url + link.body.path;

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

const text = async (testId: string) => (await page.getByTestId(testId).locator('dd').textContent())?.trim();

describe('the shadow report page in Chromium', () => {
  it('shows the key figures of the known week', async () => {
    expect(await page.title()).toBe(`Shadow report ${new Date(T0).toISOString().replace('.000Z', 'Z')} – ${new Date(T0 + 7 * DAY).toISOString().replace('.000Z', 'Z')}`);
    expect(await text('figure-calls')).toBe('106');
    expect(await text('figure-allowed')).toBe('100');
    expect(await text('figure-would-deny')).toBe('6');
    expect(await text('figure-denied')).toBe('0');
    expect(await text('figure-agents')).toBe('3');
    expect(await text('figure-tools')).toBe('4');
    expect(await text('figure-credentials')).toBe('2');
  });

  it('draws calls per day by agent, with the same numbers in a table', async () => {
    const chart = page.getByTestId('chart-calls-per-day');
    await expect.poll(() => chart.locator('svg rect').count()).toBeGreaterThan(7);
    expect(await chart.locator('svg title').first().textContent()).toBe('Calls per day, by agent');
    const totals = await page.getByTestId('row-day-totals').locator('td').allTextContents();
    expect(totals).toEqual([...PER_DAY.map(String), '106']);
    const crm = await page.locator('[data-testid="table-calls-per-day"] tr[data-agent="crm-agent"] td').allTextContents();
    expect(crm).toEqual(['10', '10', '15', '10', '10', '11', '10', '76']);
    expect(await page.getByTestId('chart-calls-per-hour').locator('svg rect').count()).toBe(new Set(knownWeek('x').map((e) => Math.floor(Number((e.decidedAt as { seconds: bigint }).seconds) / 3600))).size);
  });

  it('names what would have been blocked, by rule, with example receipts', async () => {
    expect(await page.getByTestId('chart-would-block-by-rule').locator('svg rect').count()).toBe(2);
    const row = (ruleId: string) => page.locator(`[data-testid="table-would-block"] tr[data-rule-id="${ruleId}"]`);
    expect(await row('no-crm-deletes').getByTestId('rule-calls').textContent()).toBe('5');
    expect(await row('no-drops').getByTestId('rule-calls').textContent()).toBe('1');
    expect(await row('no-drops').locator('td').first().textContent()).toBe('critical');
    expect(await row('no-crm-deletes').locator('details.receipts summary').textContent()).toBe('3 example receipt(s)');
  });

  it('ranks the riskiest actions and offers the recommended policy', async () => {
    const first = page.getByTestId('table-riskiest').locator('tbody tr').first();
    // The drop: critical 40 + would-deny 20 + destructive 20 + a credential two agents share 5.
    expect(await first.getByTestId('risk-score').textContent()).toBe('85');
    const source = await page.getByTestId('recommended-policy-source').textContent();
    expect(source).toContain('defaults:\n  effect: deny');
    expect(source).toContain('id: allow.crm-agent');
    expect(source).not.toContain('crm.drop_table');
  });

  // Issue 18, acceptance 3: each recommended element with its basis and confidence.
  it('shows each recommended element with what it is based on and how confident it is', async () => {
    const row = (id: string) => page.locator(`[data-testid="table-recommended-elements"] tr[data-element-id="${id}"]`);
    expect(await row('allow.crm-agent').getAttribute('data-confidence')).toBe('medium');
    expect(await row('allow.crm-agent').getByTestId('element-basis').textContent()).toBe('70 legitimate call(s) of crm-agent: crm.read_contacts ×70.');
    expect(await row('allow.crm-agent').getByTestId('element-confidence').textContent()).toBe('medium (70)');
    const billing = row('peak.billing-agent.billing.pay');
    expect(await billing.locator('td').nth(2).textContent()).toBe('More than 5 billing.pay call(s) in an hour need approval.');
    expect(await billing.getByTestId('element-basis').textContent()).toBe('busiest hour 1 call(s) (1 legitimate) of 16; headroom ×3 + 2 for low confidence.');
    expect(await billing.getByTestId('element-confidence').textContent()).toBe('low (16)');
    expect(await row('unseen-change.sync-agent').locator('td').nth(1).textContent()).toBe('approve');
    // The confidence is coloured by the page's stylesheet, under its CSP.
    const color = (testId: string, id: string) => row(id).getByTestId(testId).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    expect(await color('element-confidence', 'peak.billing-agent.billing.pay')).toBe('rgb(201, 42, 42)');
    expect(await color('element-confidence', 'allow.crm-agent')).toBe('rgb(230, 119, 0)');
    expect(consoleErrors).toEqual([]);
  });

  it('lists the credential findings, fingerprints shortened, also when printed', async () => {
    // Nothing is registered: both fingerprints are unknown; crm-agent and sync-agent share the fixture's.
    const rows = page.locator('[data-testid="table-credential-findings"] tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-finding')} ${tr.getAttribute('data-fingerprint')?.[0]}`))).toEqual(['unknown b', 'unknown e', 'shared b']);
    expect(await rows.nth(1).locator('th').textContent()).toBe(`${'e'.repeat(16)}… unregistered`);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual(['Unknown (not registered)', 'billing-agent (16)', '2026-05-04 09:00', '2026-05-07 12:00', '16']);
    expect(await rows.nth(2).locator('td').nth(1).textContent()).toBe('crm-agent (76); sync-agent (14)');
    expect(await page.getByTestId('finding-count-unknown').locator('strong').textContent()).toBe('2');
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('section-credential-findings').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
  });

  it('applies its stylesheet and its one script under its CSP, and loads nothing', async () => {
    expect(consoleErrors).toEqual([]);
    // (the test compiles without the DOM library: the browser's global is typed here)
    expect(await page.locator('.figures').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display)).toBe('grid');
    expect(await page.locator('link, img, iframe, form, script[src]').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
  });

  it('saves screenshots, on screen and printed (without the switch)', async () => {
    const switcher = page.getByTestId('switch-to-enforce');
    await switcher.locator('summary').click();
    await expect.poll(() => switcher.locator('pre').isVisible()).toBe(true);
    expect(await switcher.locator('pre').textContent()).toContain('PUT "$THOTH/v1/tenant/mode"');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'shadow-report.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await switcher.isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'shadow-report-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    expect(existsSync(join(ARTIFACTS, 'shadow-report.png'))).toBe(true);
    expect(existsSync(join(ARTIFACTS, 'shadow-report-print.png'))).toBe(true);
  });

  it('switches the tenant to enforce with its button, and only with an admin key of this tenant', async () => {
    const mode = async () => (await call(cp.url, 'GET', '/v1/tenant', { key: tenant.key })).body.mode as string;
    const result = page.getByTestId('switch-result');
    const press = async (key: string) => {
      await page.getByTestId('switch-key').fill(key);
      await page.getByTestId('switch-button').click();
      await expect.poll(() => result.getAttribute('data-state')).not.toBe('pending');
      return { state: await result.getAttribute('data-state'), text: await result.textContent() };
    };
    expect(await mode()).toBe('shadow');

    const other = await signUp(cp.url, 'Someone else');
    expect(await press(other.key)).toEqual({ state: 'failed', text: 'Not switched: this key is for another tenant than the report' });
    expect(await press('thoth_sk_forged')).toEqual({ state: 'failed', text: 'Not switched: auth.malformed_key: the API key is not a well-formed Thoth key' });
    const viewer = await call(cp.url, 'POST', '/v1/api-keys', { key: tenant.key, body: { name: 'viewer', role: 'read_only' } });
    expect(viewer.status).toBe(201);
    expect(await press(viewer.body.key)).toEqual({ state: 'failed', text: 'Not switched: auth.forbidden_role: this needs one of the roles admin; the key has read_only' });
    expect(await mode()).toBe('shadow');
    expect((await call(cp.url, 'GET', '/v1/tenant', { key: other.key })).body.mode).toBe('shadow');

    expect(await press(tenant.key)).toEqual({
      state: 'done',
      text: 'Browser now enforces: its enforcers block what this report shows as would have been blocked, from their next config push.',
    });
    expect(await page.getByTestId('switch-key').inputValue()).toBe('');
    expect(await mode()).toBe('enforce');
    // Chromium logs each refused call (401, 403) as a failed resource load; nothing else.
    expect(consoleErrors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
  });
});
