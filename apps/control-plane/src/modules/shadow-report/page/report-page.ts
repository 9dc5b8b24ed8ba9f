import { strictPageCsp } from '../../../platform/http/strict-page.js';
import type { InventoryFinding } from '../../credential-governance/index.js';
import type { RecommendedElement } from '../domain/recommended-policy.js';
import type { ActivityDimension, ShadowReport } from '../domain/shadow-report.js';
import { bars, escapeHtml as h, formatNumber as n, horizontalBars, stackedBars, type Series } from './svg-charts.js';

/**
 * The shadow report as one self-contained HTML page: server-rendered, no external asset (the
 * CSP is `default-src 'none'` with the stylesheet and the one script allowed by their hashes),
 * inline SVG charts each followed by a table of the same numbers, a print stylesheet. Key
 * figures carry stable `data-testid`s. The script only runs the switch-to-enforce button.
 */
export interface ReportPageMeta {
  readonly reportId: string;
  /** The report's tenant: the switch refuses an admin key of any other. */
  readonly tenantId: string;
  readonly trigger: 'trial_ended' | 'on_demand';
  readonly generatedBy: string;
}

const STYLE = `
:root{color-scheme:light;--ink:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--panel:#f6f7f9;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1040px;margin:0 auto;padding:0 24px}
header{padding-top:28px;padding-bottom:4px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 6px}
.meta,.note,figcaption{color:var(--muted);font-size:13px}
.figures{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:16px 0;padding:0}
.figures div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.figures dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.figures dd{margin:2px 0 0;font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
.figures .warn dd{color:#b4451f}
.figures .ok dd{color:#2b7a3d}
table{border-collapse:collapse;width:100%;margin:8px 0 4px;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
figure{margin:8px 0}
.chart{display:block;max-width:100%;height:auto}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .tick,.chart .label,.chart .value{font-size:11px;fill:var(--muted)}
.chart .label{fill:var(--ink)}
.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px;vertical-align:baseline}
.c0{fill:#3b5bdb;background:#3b5bdb}.c1{fill:#e8590c;background:#e8590c}.c2{fill:#2b8a3e;background:#2b8a3e}
.c3{fill:#ae3ec9;background:#ae3ec9}.c4{fill:#1098ad;background:#1098ad}.c5{fill:#f08c00;background:#f08c00}
.c6{fill:#c2255c;background:#c2255c}.c7{fill:#5c940d;background:#5c940d}.c8{fill:#868e96;background:#868e96}
.deny{fill:#c92a2a;background:#c92a2a}
.conf-high{color:#2b7a3d;font-weight:600}.conf-medium{color:#e67700}.conf-low{color:#c92a2a}
.sev-critical{color:#c92a2a;font-weight:600}.sev-high{color:#d9480f;font-weight:600}.sev-medium{color:#e67700}.sev-low{color:var(--muted)}
details{margin:6px 0}
summary{cursor:pointer}
.switch{margin:16px 0;border:1px solid var(--accent);border-radius:6px;padding:10px 14px}
.switch button{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:6px 14px;font:inherit;font-weight:600;cursor:pointer}
.switch button:disabled{opacity:.6;cursor:default}
.switch input{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:4px;width:22em;max-width:100%}
.switch output{display:block;margin-top:8px}
.switch output[data-state=failed]{color:#c92a2a}
.switch output[data-state=done]{color:#2b7a3d;font-weight:600}
footer{margin:40px auto 32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:12px}
@media print{
  body{font-size:11pt;color:#000}
  header,main,footer{max-width:none;padding:0}
  .switch,.noprint{display:none}
  h2{break-after:avoid;border-top:none}
  figure,table,tr,.figures{break-inside:avoid}
  .figures{grid-template-columns:repeat(4,1fr)}
  pre{white-space:pre-wrap;border:none;background:none}
  .chart{max-height:8cm}
  a{color:#000;text-decoration:none}
}
`;

/**
 * The switch to enforce: with an admin key typed into the page (never stored, never sent
 * anywhere but this control plane, cleared on click) it reads the key's tenant, refuses a key
 * of another tenant than the report's, and switches with If-Match. The key travels in the
 * authorization header, so no other site can make the browser do this (no cookie, no form).
 */
const SWITCH_SCRIPT = `
(() => {
  const box = document.querySelector('[data-testid="switch-to-enforce"]');
  const key = box.querySelector('input');
  const button = box.querySelector('button');
  const out = box.querySelector('output');
  const show = (state, text) => { out.dataset.state = state; out.textContent = text; };
  const problem = async (r) => {
    try { const p = await r.json(); return (p.code ? p.code + ': ' : '') + (p.detail || p.title); } catch { return 'HTTP ' + r.status; }
  };
  button.addEventListener('click', async () => {
    const authorization = 'Bearer ' + key.value.trim();
    key.value = '';
    button.disabled = true;
    show('pending', 'Switching…');
    try {
      const read = await fetch('/v1/tenant', { headers: { authorization }, credentials: 'omit', cache: 'no-store' });
      if (!read.ok) throw new Error(await problem(read));
      const tenant = await read.json();
      if (tenant.id !== box.dataset.tenantId) throw new Error('this key is for another tenant than the report');
      if (tenant.mode !== 'enforce') {
        const put = await fetch('/v1/tenant/mode', {
          method: 'PUT',
          credentials: 'omit',
          cache: 'no-store',
          headers: { authorization, 'content-type': 'application/json', 'if-match': read.headers.get('etag') || '' },
          body: JSON.stringify({ mode: 'enforce' }),
        });
        if (!put.ok) throw new Error(await problem(put));
      }
      show('done', tenant.name + ' now enforces: its enforcers block what this report shows as would have been blocked, from their next config push.');
    } catch (error) {
      show('failed', 'Not switched: ' + error.message);
      button.disabled = false;
    }
  });
})();
`;

/** The Content-Security-Policy of the page: nothing loads; its own stylesheet applies and its one script runs, which may call this control plane only. */
export const REPORT_PAGE_CSP = strictPageCsp({ style: STYLE, script: SWITCH_SCRIPT });

const COLOURS = 8;
const TRIGGERS = { trial_ended: 'end of the seven-day trial', on_demand: 'on demand' } as const;

export function renderReportPage(report: ShadowReport, meta: ReportPageMeta): string {
  const t = report.totals;
  const from = report.window.from.replace('.000Z', 'Z');
  const to = report.window.to.replace('.000Z', 'Z');
  const figure = (id: string, label: string, value: number, cls = '') =>
    `<div data-testid="figure-${id}"${cls ? ` class="${cls}"` : ''}><dt>${h(label)}</dt><dd>${n(value)}</dd></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Shadow report ${h(from)} – ${h(to)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Shadow report</h1>
<p class="meta" data-testid="report-window">Decisions from <time datetime="${h(report.window.from)}">${h(from)}</time> to <time datetime="${h(report.window.to)}">${h(to)}</time> (UTC) · generated ${h(report.generatedAt)} (${h(TRIGGERS[meta.trigger])}, by ${h(meta.generatedBy)}) · report <code>${h(meta.reportId)}</code></p>
</header>
<main>
<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<dl class="figures">
${figure('calls', 'Calls', t.calls)}
${figure('allowed', 'Allowed', t.allowed, 'ok')}
${figure('would-deny', 'Would have been blocked', t.wouldDeny, t.wouldDeny > 0 ? 'warn' : '')}
${figure('denied', 'Blocked', t.denied, t.denied > 0 ? 'warn' : '')}
${figure('agents', 'Agents', t.agents)}
${figure('tools', 'Tools', t.tools)}
${figure('credentials', 'Credentials', t.credentials)}
${figure('resources', 'Resources', t.resources)}
</dl>
<p class="note">“Would have been blocked”: the policy denied the call but the tenant is in shadow mode, so it went through. “Blocked”: denied and stopped${t.refused > 0 ? ` (${n(t.refused)} of them refused before evaluation: unknown agent, bad token, malformed arguments)` : ''}.</p>
${switchToEnforce(meta.tenantId)}
</section>
${activitySection(report)}
${wouldBlockSection(report)}
${credentialsSection(report)}
${credentialFindingsSection(report)}
${riskSection(report)}
${recommendationSection(report)}
</main>
<footer>Thoth shadow report · schema ${report.schemaVersion} · every chart is followed by a table with the same numbers · print this page for a paper copy.</footer>
<script>${SWITCH_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * The one button: the page itself holds only a read-only view link (which may have been
 * forwarded), so switching asks for an admin key, as the API does. The exact API call is shown
 * beside it for those who would rather run it.
 */
function switchToEnforce(tenantId: string): string {
  return `<div class="switch" data-testid="switch-to-enforce" data-tenant-id="${h(tenantId)}">
<p>Switching makes every enforcer block what this report shows as “would have been blocked” (optionally publish the recommended policy below first). It needs an <strong>admin</strong> API key of this tenant; the page never keeps it.</p>
<p><label>Admin API key <input type="password" autocomplete="off" spellcheck="false" placeholder="thoth_sk_…" data-testid="switch-key"></label>
<button type="button" data-testid="switch-button">Switch to enforce</button></p>
<output data-testid="switch-result" aria-live="polite"></output>
<details><summary>Or run the API call</summary>
<pre><code>curl -X PUT "$THOTH/v1/tenant/mode" \\
  -H "authorization: Bearer $THOTH_ADMIN_KEY" -H 'content-type: application/json' \\
  -d '{"mode":"enforce"}'</code></pre>
</details>
</div>`;
}

function legend(series: readonly Series[]): string {
  return `<ul class="legend">${series.map((s) => `<li><span class="swatch ${s.cls}"></span>${h(s.name)}</li>`).join('')}</ul>`;
}

function seriesOf(dimension: ActivityDimension, pick: 'perDay' | 'perHour', top = COLOURS): Series[] {
  const listed = dimension.items.slice(0, top);
  const series: Series[] = listed.map((item, i) => ({ name: item.key, cls: `c${i}`, values: item[pick] }));
  const rest = dimension.items.slice(top);
  const others = rest.reduce<number[]>((sum, item) => sum.map((v, i) => v + (item[pick][i] ?? 0)), dimension.others[pick].slice());
  if (others.some((v) => v > 0)) series.push({ name: `${rest.length + dimension.others.keys} other(s)`, cls: 'c8', values: others });
  return series;
}

function activitySection(report: ShadowReport): string {
  const days = report.window.days;
  const agents = seriesOf(report.activity.agents, 'perDay');
  const hourStart = Date.parse(report.window.hourStart);
  const hourLabels = Array.from({ length: report.window.hours }, (_, i) => new Date(hourStart + i * 3_600_000).toISOString().slice(0, 13).replace('T', ' ') + 'h');
  const perHour = hourLabels.map((_, i) => report.activity.agents.items.reduce((sum, a) => sum + (a.perHour[i] ?? 0), report.activity.agents.others.perHour[i] ?? 0));
  const dayTotals = days.map((_, i) => agents.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const rows = report.activity.agents.items
    .map((a) => `<tr data-agent="${h(a.key)}"><th scope="row">${h(a.key)}</th>${a.perDay.map((v) => `<td class="num">${n(v)}</td>`).join('')}<td class="num">${n(a.calls)}</td></tr>`)
    .join('\n');
  const othersRow =
    report.activity.agents.others.calls > 0
      ? `<tr><th scope="row">${n(report.activity.agents.others.keys)} other(s)</th>${report.activity.agents.others.perDay.map((v) => `<td class="num">${n(v)}</td>`).join('')}<td class="num">${n(report.activity.agents.others.calls)}</td></tr>`
      : '';
  return `<section aria-labelledby="activity">
<h2 id="activity">Calls over time</h2>
<figure data-testid="chart-calls-per-day">
${stackedBars('calls-per-day', 'Calls per day, by agent', days, agents)}
${legend(agents)}
<figcaption>Calls per UTC day, stacked by agent (the eight busiest; the rest together).</figcaption>
</figure>
<table data-testid="table-calls-per-day">
<caption class="note">Calls per day by agent</caption>
<thead><tr><th scope="col">Agent</th>${days.map((d) => `<th scope="col" class="num">${h(d.slice(5))}</th>`).join('')}<th scope="col" class="num">Total</th></tr></thead>
<tbody>
${rows}
${othersRow}
<tr data-testid="row-day-totals"><th scope="row">All agents</th>${dayTotals.map((v) => `<td class="num">${n(v)}</td>`).join('')}<td class="num">${n(report.totals.calls)}</td></tr>
</tbody>
</table>
<figure data-testid="chart-calls-per-hour">
${bars('calls-per-hour', 'Calls per hour, all agents', hourLabels, perHour, (label) => (label.endsWith(' 00h') ? label.slice(5, 10) : undefined))}
<figcaption>Calls per UTC hour; the busiest hour had ${n(Math.max(0, ...perHour))} call(s). Per-hour numbers per agent, tool, credential and resource are in the JSON report.</figcaption>
</figure>
${dimensionTable('tools', 'Tools', report.activity.tools)}
${dimensionTable('credentials', 'Credentials (SHA-256 fingerprints)', report.activity.credentials, true)}
${dimensionTable('resources', 'Resources', report.activity.resources)}
</section>`;
}

function dimensionTable(id: string, title: string, dimension: ActivityDimension, fingerprint = false): string {
  const show = (key: string) => (fingerprint ? `<code title="${h(key)}">${h(key.slice(0, 16))}…</code>` : h(key));
  const rows = dimension.items
    .slice(0, 15)
    .map((a) => `<tr><th scope="row">${show(a.key)}</th><td class="num">${n(a.calls)}</td><td class="num">${n(a.allowed)}</td><td class="num">${n(a.wouldDeny)}</td><td class="num">${n(a.denied)}</td><td>${h(a.firstSeen.slice(0, 16).replace('T', ' '))}</td><td>${h(a.lastSeen.slice(0, 16).replace('T', ' '))}</td></tr>`)
    .join('\n');
  const more = dimension.keys > 15 ? `<p class="note">${n(dimension.keys - 15)} more in the JSON report${dimension.truncated ? ' (more than 20,000 distinct: the rest are summed)' : ''}.</p>` : '';
  return `<h3>${h(title)}</h3>
<table data-testid="table-${id}">
<thead><tr><th scope="col">${h(title.split(' ')[0]!.replace(/s$/, ''))}</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Allowed</th><th scope="col" class="num">Would deny</th><th scope="col" class="num">Denied</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">None.</td></tr>'}
</tbody>
</table>
${more}`;
}

function wouldBlockSection(report: ShadowReport): string {
  const rules = report.wouldBlock.byRule;
  const chart =
    rules.length === 0
      ? '<p data-testid="nothing-blocked">Nothing was blocked and nothing would have been.</p>'
      : `<figure data-testid="chart-would-block-by-rule">
${horizontalBars('would-block', 'Calls blocked or that would have been, by rule', rules.slice(0, 15).map((r) => ({ label: r.ruleId, value: r.calls, cls: 'deny' })))}
<figcaption>A call denied by several rules counts once for each.</figcaption>
</figure>`;
  const rows = rules
    .map(
      (r) => `<tr data-rule-id="${h(r.ruleId)}"><th scope="row"><code>${h(r.ruleId)}</code></th><td class="sev-${h(r.severity)}">${h(r.severity)}</td><td class="num" data-testid="rule-calls">${n(r.calls)}</td><td class="num">${n(r.wouldDeny)}</td><td class="num">${n(r.denied)}</td><td>${h(r.agents.join(', '))}</td><td>${h(r.reason)}${r.attribution === 'inferred' ? ' <span class="note">(attribution inferred)</span>' : ''}
<details class="receipts"><summary>${n(r.examples.length)} example receipt(s)</summary>${r.examples
        .map((e) => `<p class="note"><code>${h(e.decisionId)}</code> · ${h(e.agentId)} · ${h(e.tool)}${e.resource ? ` · ${h(e.resource)}` : ''} · ${h(e.outcome)} · ${h(e.decidedAt)}</p><pre>${h(JSON.stringify(e.receipt, null, 2))}</pre>`)
        .join('')}</details></td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="would-block">
<h2 id="would-block">What would have been blocked</h2>
<p class="note">${n(report.wouldBlock.wouldDeny)} call(s) would have been blocked in enforce mode; ${n(report.wouldBlock.denied)} were blocked.</p>
${chart}
${
  rules.length === 0
    ? ''
    : `<table data-testid="table-would-block">
<thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Would deny</th><th scope="col" class="num">Denied</th><th scope="col">Agents</th><th scope="col">Reason and examples</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}
</section>`;
}

function credentialsSection(report: ShadowReport): string {
  const { sharedByAgents, newLocations } = report.credentials;
  const fp = (f: string) => `<code title="${h(f)}">${h(f.slice(0, 16))}…</code>`;
  const shared = sharedByAgents.length
    ? `<table data-testid="table-shared-credentials"><thead><tr><th scope="col">Credential</th><th scope="col" class="num">Agents</th><th scope="col">Used by (calls, first seen)</th></tr></thead><tbody>
${sharedByAgents.map((c) => `<tr data-fingerprint="${h(c.fingerprint)}"><th scope="row">${fp(c.fingerprint)}</th><td class="num">${n(c.agents.length)}</td><td>${c.agents.map((a) => `${h(a.agentId)} (${n(a.calls)}, ${h(a.firstSeen.slice(0, 16).replace('T', ' '))})`).join('; ')}</td></tr>`).join('\n')}
</tbody></table>`
    : '<p data-testid="no-shared-credentials">No credential was used by more than one agent.</p>';
  const fresh = newLocations.length
    ? `<table data-testid="table-new-locations"><thead><tr><th scope="col">Credential</th><th scope="col">New</th><th scope="col">First seen</th><th scope="col" class="num">Calls</th><th scope="col">Agents</th><th scope="col">Baseline (first day)</th></tr></thead><tbody>
${newLocations.map((l) => `<tr><th scope="row">${fp(l.fingerprint)}</th><td>${h(l.dimension)} <code>${h(l.value)}</code></td><td>${h(l.firstSeen.slice(0, 16).replace('T', ' '))}</td><td class="num">${n(l.calls)}</td><td>${h(l.agents.join(', '))}</td><td>${h(l.baseline.join(', ') || '—')}</td></tr>`).join('\n')}
</tbody></table>`
    : '<p data-testid="no-new-locations">No credential was used from a new location.</p>';
  return `<section aria-labelledby="credentials">
<h2 id="credentials">Credentials</h2>
<h3>Used by more than one agent</h3>
${shared}
<h3>Used from a new location</h3>
<p class="note">A credential's baseline is the regions and networks (IPv4 /24, IPv6 /48) it was used from in the 24 hours after its first call in the window; a region or network first seen after that is new.</p>
${fresh}
</section>`;
}

const FINDINGS: Record<InventoryFinding, string> = {
  unknown: 'Unknown (not registered)',
  shared: 'Shared by several agents',
  revoked_in_use: 'Used after revocation',
  expired_in_use: 'Used after expiry',
  rotated_out_in_use: 'Used after rotation',
  unlinked_agent: 'Used by an agent it is not linked to',
};

function credentialFindingsSection(report: ShadowReport): string {
  const findings = report.credentials.findings;
  const at = (iso: string) => h(iso.slice(0, 16).replace('T', ' '));
  const body =
    findings === undefined
      ? '<p data-testid="credential-findings-absent">This report was generated before credential findings were added to reports; generate a new one.</p>'
      : findings.items.length === 0
        ? '<p data-testid="no-credential-findings">No finding: every credential used was registered, linked to the agents that used it, used by one agent, and valid when used.</p>'
        : `<ul class="legend" data-testid="credential-finding-counts">${(Object.keys(FINDINGS) as InventoryFinding[])
            .map((kind) => `<li data-testid="finding-count-${kind}">${h(FINDINGS[kind])}: <strong>${n(findings.counts[kind])}</strong></li>`)
            .join('')}</ul>
<table data-testid="table-credential-findings"><thead><tr><th scope="col">Finding</th><th scope="col">Credential</th><th scope="col">Agents (calls)</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col" class="num">Calls</th></tr></thead><tbody>
${findings.items
  .map(
    (f) => `<tr data-finding="${h(f.kind)}" data-fingerprint="${h(f.fingerprint)}"><td>${h(FINDINGS[f.kind])}${f.since ? ` <span class="note">since ${at(f.since)}</span>` : ''}</td><th scope="row"><code title="${h(f.fingerprint)}">${h(f.fingerprint.slice(0, 16))}…</code>${f.credential ? ` ${h(f.credential.name)}` : ' <span class="note">unregistered</span>'}</th><td>${f.agents.map((a) => `${h(a.agent)} (${n(a.calls)})`).join('; ')}</td><td>${at(f.firstSeen)}</td><td>${at(f.lastSeen)}</td><td class="num">${n(f.calls)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
${findings.unlisted > 0 ? `<p class="note">${n(findings.unlisted)} more finding(s) not listed; GET /v1/credentials/inventory has them all.</p>` : ''}`;
  return `<section aria-labelledby="credential-findings" data-testid="section-credential-findings">
<h2 id="credential-findings">Credential findings</h2>
<p class="note">The credential inventory over the window, against the credentials and agents as registered when the report was generated: credentials nobody registered, used by several agents, still used after they were revoked, expired or rotated out, or used by an agent they are not linked to. Fingerprints are SHA-256 (the full value is in the JSON report).</p>
${body}
</section>`;
}

function riskSection(report: ShadowReport): string {
  const p = report.riskScoring;
  const rows = report.riskiestActions
    .map(
      (a, i) => `<tr><td class="num">${i + 1}</td><th scope="row">${h(a.agentId)} · <code>${h(a.tool)}</code>${a.resource ? ` · ${h(a.resource)}` : ''}</th><td class="num" data-testid="risk-score">${n(a.score)}</td><td>${[
        ['severity', a.breakdown.severity],
        ['blocked', a.breakdown.blocked],
        ['tool', a.breakdown.tool],
        ['records', a.breakdown.records],
        ['credential', a.breakdown.credential],
      ]
        .filter(([, v]) => Number(v) > 0)
        .map(([k, v]) => `${k} ${v}`)
        .join(' + ')}</td><td class="num">${n(a.calls)}</td><td class="num">${n(a.wouldDeny + a.denied)}</td><td>${a.ruleIds.map((r) => `<code>${h(r)}</code>`).join(', ')}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="risk">
<h2 id="risk">Riskiest actions</h2>
<p class="note">An action is an agent, a tool and a resource. Its score is that of its riskiest call: severity of the worst rule that blocked or flagged it (critical ${p.severity.critical}, high ${p.severity.high}, medium ${p.severity.medium}, low ${p.severity.low}); blocked or would-be blocked ${p.blocked}; destructive tool ${p.tool.destructive} or writing tool ${p.tool.write}; records touched over 1,000 / 100 / 10: ${p.records.map((r) => r.points).join(' / ')} (when arguments are retained); plus ${p.newLocation} if any of its calls came from a new location and ${p.sharedCredential} if it used a credential shared by several agents.</p>
${
  report.riskiestActions.length
    ? `<table data-testid="table-riskiest"><thead><tr><th scope="col" class="num">#</th><th scope="col">Action</th><th scope="col" class="num">Score</th><th scope="col">Points</th><th scope="col" class="num">Calls</th><th scope="col" class="num">Blocked</th><th scope="col">Rules</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : '<p>No action scored above zero.</p>'
}
</section>`;
}

/** Every recommended element with what it is based on and how confident it is (reports before issue 18 have none). */
function elementsTable(elements: readonly RecommendedElement[] | undefined): string {
  if (elements === undefined) return '<p class="note" data-testid="recommended-elements-absent">This report was made before recommended elements carried their basis and confidence.</p>';
  const rows = elements
    .map(
      (e) =>
        `<tr data-element-id="${h(e.id)}" data-kind="${h(e.kind)}" data-confidence="${h(e.confidence.level)}"><th scope="row"><code>${h(e.id)}</code></th><td>${h(e.agentId)}${e.tool === undefined ? '' : `<br><code>${h(e.tool)}</code>`}</td><td>${h(e.effect)}</td><td>${h(e.summary)}</td><td data-testid="element-basis">${h(e.basis)}</td><td class="conf-${h(e.confidence.level)}" data-testid="element-confidence">${h(e.confidence.level)} (${n(e.confidence.observations)})</td></tr>`,
    )
    .join('\n');
  return `<h3>Each element, what it is based on, how sure it is</h3>
<table data-testid="table-recommended-elements"><thead><tr><th scope="col">Element</th><th scope="col">Agent, tool</th><th scope="col">Effect</th><th scope="col">What it does</th><th scope="col">Based on</th><th scope="col">Confidence (observations)</th></tr></thead><tbody>
${rows || '<tr><td colspan="6">None.</td></tr>'}
</tbody></table>`;
}

function recommendationSection(report: ShadowReport): string {
  const r = report.recommendedPolicy;
  const allow = r.allowLists.map((a) => `<tr><th scope="row">${h(a.agentId)}</th><td>${a.tools.map((t) => `<code>${h(t)}</code>`).join(', ')}</td></tr>`).join('\n');
  const limits = r.limits
    .map((l) => `<tr><th scope="row">${h(l.agentId)}</th><td><code>${h(l.tool)}</code></td><td class="num">${n(l.peak)}</td><td class="num">${n(l.maxCalls)}</td></tr>`)
    .join('\n');
  return `<section aria-labelledby="recommended">
<h2 id="recommended">Recommended policy</h2>
<p class="note" data-testid="recommended-basis">Derived from ${n(r.basedOn.legitimateCalls)} legitimate call(s); ${n(r.basedOn.excludedCalls.wouldDeny + r.basedOn.excludedCalls.denied)} denied or would-be-denied call(s) are not allow-listed. ${r.valid ? 'It compiles with the enforcers’ engine.' : '<strong>It does not compile — please report this.</strong>'}</p>
<ul class="note">${r.notes.map((note) => `<li>${h(note)}</li>`).join('')}</ul>
${elementsTable(r.elements)}
<h3>Tool allow-lists</h3>
<table data-testid="table-allow-lists"><thead><tr><th scope="col">Agent</th><th scope="col">Allowed tools</th></tr></thead><tbody>
${allow || '<tr><td colspan="2">None: every call is denied.</td></tr>'}
</tbody></table>
<h3>Hourly limits per agent and tool</h3>
<table data-testid="table-limits"><thead><tr><th scope="col">Agent</th><th scope="col">Tool</th><th scope="col" class="num">Peak hour</th><th scope="col" class="num">Limit</th></tr></thead><tbody>
${limits || '<tr><td colspan="4">None.</td></tr>'}
</tbody></table>
<details open><summary>The policy document (YAML)</summary>
<pre data-testid="recommended-policy-source"><code>${h(r.source)}</code></pre>
</details>
<p class="note noprint">Replay it over the window first with <code>POST /v1/policy/replays</code>, then publish it with <code>PUT /v1/policy</code> (admin or policy author).</p>
</section>`;
}
