import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildInventory, type UsageRecord } from '../../credential-governance/domain/credential-inventory.js';
import { ShadowReportBuilder, type ShadowReport } from '../domain/shadow-report.js';
import { decision, DAY, denyRule, HOUR, T0, wouldDeny } from '../domain/test-fixtures.js';
import { renderReportPage, REPORT_PAGE_CSP } from './report-page.js';
import { niceMax } from './svg-charts.js';

const META = { reportId: '0b5f3f0e-6f7e-4a55-9f57-3a8f00000001', tenantId: '0b5f3f0e-6f7e-4a55-9f57-3a8f000000t1', trigger: 'trial_ended' as const, generatedBy: 'system:trial-scheduler' };

function build(records: Parameters<ShadowReportBuilder['add']>[0][], usage: readonly UsageRecord[] = []): ShadowReport {
  const builder = new ShadowReportBuilder({ from: new Date(T0), to: new Date(T0 + 7 * DAY) });
  for (const r of records) builder.add(r);
  const revoked = { credentialId: '0b5f3f0e-6f7e-4a55-9f57-3a8f000000aa', name: 'Billing <prod>', kind: 'api_key', provider: 'stripe', status: 'revoked' as const, expiresAt: null };
  const credentials = [{ ...revoked, revokedAt: new Date(T0), linkedAgentIds: [], fingerprints: [{ fingerprint: 'b'.repeat(64), rotatedOutAt: null }] }];
  return builder.build(new Date(T0 + 7 * DAY), undefined, buildInventory(usage, credentials, []));
}
const render = (records: Parameters<ShadowReportBuilder['add']>[0][], usage: readonly UsageRecord[] = []) => renderReportPage(build(records, usage), META);

describe('the report page', () => {
  const hostile = '<script>alert(1)</script>';
  const html = render([
    decision({ at: T0 + HOUR }),
    decision({ at: T0 + DAY + HOUR, agentId: hostile, tool: 'x"><img src=x onerror=alert(1)>' }),
    wouldDeny({ at: T0 + 2 * DAY, tool: 'crm.delete_records' }, denyRule(`rule-${hostile}`, 'critical')),
  ]);

  it('escapes everything that came from traffic', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('loads nothing: no links, images, forms, script sources or style attributes; one inline script', () => {
    // Text is escaped, so every '<' left starts a real tag.
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.filter((t) => /^<(link|img|iframe|form|object|embed|meta http-equiv)\b/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /^<script\b/i.test(t))).toEqual(['<script>']);
    expect(tags.filter((t) => /\s(style|src|href|action|on[a-z]+)=/i.test(t))).toEqual([]);
    // The only URL is the SVG namespace.
    expect(html.match(/https?:\/\/[^\s"'<]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg') ?? []).toEqual([]);
  });

  it('allows exactly its own stylesheet through the CSP hash', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    expect(REPORT_PAGE_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(REPORT_PAGE_CSP.startsWith("default-src 'none'")).toBe(true);
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(style).toContain('@media print');
  });

  it('runs exactly its own script, which may call this control plane only', () => {
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(REPORT_PAGE_CSP).toContain(`script-src 'sha256-${hash}'`);
    expect(REPORT_PAGE_CSP).toContain("connect-src 'self'");
    expect(REPORT_PAGE_CSP).toContain("form-action 'none'");
    // The same script on every page (the hash is a constant); the tenant is in an attribute.
    expect(/<script>([\s\S]*?)<\/script>/.exec(render([decision({ at: T0 })]))![1]).toBe(script);
    expect(script).toContain("credentials: 'omit'");
    expect(script).toContain('box.dataset.tenantId');
  });

  it('labels the key figures and puts a table behind every chart', () => {
    expect(html).toContain('<div data-testid="figure-calls"><dt>Calls</dt><dd>3</dd></div>');
    expect(html).toContain('data-testid="figure-would-deny" class="warn"><dt>Would have been blocked</dt><dd>1</dd>');
    for (const id of ['chart-calls-per-day', 'table-calls-per-day', 'chart-calls-per-hour', 'chart-would-block-by-rule', 'table-would-block', 'table-riskiest', 'recommended-policy-source', 'switch-to-enforce']) {
      expect(html, id).toContain(`data-testid="${id}"`);
    }
    // every chart is an accessible image with a title and a description
    const charts = html.match(/<svg [^>]*>/g) ?? [];
    expect(charts).toHaveLength(3);
    for (const svg of charts) expect(svg).toMatch(/role="img" aria-labelledby="[\w-]+-title [\w-]+-desc"/);
  });

  it('says when nothing would have been blocked', () => {
    const quiet = render([decision({ at: T0 })]);
    expect(quiet).toContain('data-testid="nothing-blocked"');
    expect(quiet).not.toContain('data-testid="chart-would-block-by-rule"');
  });

  it('offers the switch as a button that asks for an admin key, and as the exact API call', () => {
    const box = /<div class="switch"[\s\S]*?<\/div>/.exec(html)![0];
    expect(box).toContain(`data-tenant-id="${META.tenantId}"`);
    expect(box).toContain('<input type="password" autocomplete="off"');
    expect(box).toContain('<button type="button" data-testid="switch-button">Switch to enforce</button>');
    expect(box).toContain('curl -X PUT "$THOTH/v1/tenant/mode"');
    expect(box).toContain('{"mode":"enforce"}');
  });
});

describe('the credential findings section', () => {
  const use = (fingerprint: string, agentId: string, calls: number): UsageRecord => ({
    fingerprint,
    agentId,
    firstSeenAt: new Date(T0 + HOUR),
    lastSeenAt: new Date(T0 + 2 * HOUR),
    calls,
    denied: 0,
    regions: [],
    lastDecisionId: 'd-1',
  });
  const html = render([decision({ at: T0 })], [use('a'.repeat(64), '<b>bot</b>', 3), use('b'.repeat(64), 'crm-agent', 4)]);
  const section = /<section aria-labelledby="credential-findings"[\s\S]*?<\/section>/.exec(html)![0];

  it('lists each finding with its kind, shortened fingerprint, registered name, agents, first and last seen and calls', () => {
    const rows = section.match(/<tr data-finding[\s\S]*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('data-finding="unknown"');
    expect(rows[0]).toContain(`<code title="${'a'.repeat(64)}">${'a'.repeat(16)}…</code> <span class="note">unregistered</span>`);
    expect(rows[0]).toContain('&lt;b&gt;bot&lt;/b&gt; (3)');
    expect(rows[1]).toContain('data-finding="revoked_in_use"');
    expect(rows[1]).toContain('Used after revocation <span class="note">since 2026-03-02 00:00</span>');
    expect(rows[1]).toContain('Billing &lt;prod&gt;');
    expect(rows[1]).toContain('<td>2026-03-02 01:00</td><td>2026-03-02 02:00</td><td class="num">4</td>');
    // Shortened in the text; in full only in attributes (the tooltip).
    expect(section.replace(/<[^>]*>/g, '')).not.toContain('b'.repeat(17));
    expect(section).toContain('data-testid="finding-count-revoked_in_use">Used after revocation: <strong>1</strong>');
    expect(section).toContain('data-testid="table-credential-findings"');
  });

  it('says when there is none, and when the report predates findings', () => {
    expect(render([decision({ at: T0 })])).toContain('data-testid="no-credential-findings"');
    const old = build([decision({ at: T0 })]);
    const { findings: _, ...credentials } = old.credentials;
    expect(renderReportPage({ ...old, credentials }, META)).toContain('data-testid="credential-findings-absent"');
  });
});

describe('the recommended policy on the page', () => {
  const records = Array.from({ length: 12 }, (_, i) => decision({ at: T0 + i * HOUR, agentId: 'assistant', tool: 'email.send', arguments: { to: ['ann@acme.example', '<b>x</b>@acme.example'][i % 2] } }));

  it('shows each recommended element with its basis and its confidence, escaped', () => {
    const html = render(records);
    const table = /<table data-testid="table-recommended-elements">[\s\S]*?<\/table>/.exec(html)![0];
    const row = /<tr data-element-id="dest\.assistant\.email\.send\.to"[\s\S]*?<\/tr>/.exec(table)![0];
    expect(row).toContain('data-kind="destinations" data-confidence="low"');
    expect(row).toContain('2 value(s) seen in 12 call(s): &lt;b&gt;x&lt;/b&gt;@acme.example, ann@acme.example');
    expect(row).toContain('<td class="conf-low" data-testid="element-confidence">low (12)</td>');
    expect(table).toContain('data-element-id="allow.assistant"');
    expect(table).toContain('data-element-id="unseen-change.assistant"');
  });

  it('still renders a stored report whose recommendation predates its elements', () => {
    const old = build(records);
    const { elements: _, ...recommendedPolicy } = old.recommendedPolicy;
    const html = renderReportPage({ ...old, recommendedPolicy }, META);
    expect(html).toContain('data-testid="recommended-elements-absent"');
    expect(html).toContain('data-testid="table-allow-lists"');
  });
});

describe('chart axes', () => {
  it('round up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 1, 3, 10, 21, 26, 99, 101, 1206].map(niceMax)).toEqual([1, 1, 5, 10, 25, 50, 100, 200, 2000]);
  });
});
