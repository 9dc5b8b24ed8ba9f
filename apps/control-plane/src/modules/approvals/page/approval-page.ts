import { escapeHtml as h, strictPageCsp } from '../../../platform/http/strict-page.js';
import type { ApprovalDetailView } from '../queries/approval-view.js';

/**
 * An approval request as one self-contained page, opened by the signed link of its alert: the
 * exact arguments of the call held, the rules that asked and their reasons, the agent's recent
 * calls, the expiry; Approve and Reject ask for an approver's API key and call the API with it.
 * Served under the same strict CSP as the shadow report (strictPageCsp): nothing loads, its own
 * stylesheet and its one script only. Everything shown that a caller sent is escaped.
 */
const STYLE = `
:root{color-scheme:light;--ink:#1d2330;--muted:#5b6475;--line:#d9dde5;--panel:#f6f7f9;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink)}
header,main{max-width:960px;margin:0 auto;padding:0 24px}
header{padding-top:28px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
.meta,.note{color:var(--muted);font-size:13px}
dl.call{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0}
dl.call dt{color:var(--muted)}
dl.call dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
code,pre{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.status{display:inline-block;padding:1px 8px;border-radius:10px;background:var(--panel);border:1px solid var(--line);font-weight:600}
.decide{margin:16px 0;border:1px solid var(--accent);border-radius:6px;padding:10px 14px}
.decide button{border:0;border-radius:4px;padding:6px 14px;font:inherit;font-weight:600;cursor:pointer;color:#fff;background:#2b7a3d;margin-right:8px}
.decide button[data-verdict=reject]{background:#c92a2a}
.decide button:disabled{opacity:.6;cursor:default}
.decide input,.decide textarea{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:4px;width:28em;max-width:100%}
.decide output{display:block;margin-top:8px}
.decide output[data-state=failed]{color:#c92a2a}
.decide output[data-state=done]{color:#2b7a3d;font-weight:600}
`;

/**
 * Approve or Reject: with an approver key typed into the page (never stored, sent only to this
 * control plane in the authorization header, cleared on click). The API decides who may: a key
 * of another role gets 403, a key of another tenant 404, and the page shows the problem.
 */
const DECIDE_SCRIPT = `
(() => {
  const box = document.querySelector('[data-testid="decide"]');
  const key = box.querySelector('input');
  const comment = box.querySelector('textarea');
  const buttons = box.querySelectorAll('button');
  const out = box.querySelector('output');
  const show = (state, text) => { out.dataset.state = state; out.textContent = text; };
  const problem = async (r) => {
    try { const p = await r.json(); return 'HTTP ' + r.status + ' ' + (p.code ? p.code + ': ' : '') + (p.detail || p.title); } catch { return 'HTTP ' + r.status; }
  };
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      const verdict = button.dataset.verdict;
      const authorization = 'Bearer ' + key.value.trim();
      key.value = '';
      for (const b of buttons) b.disabled = true;
      show('pending', verdict === 'approve' ? 'Approving…' : 'Rejecting…');
      try {
        const r = await fetch('/v1/approvals/' + encodeURIComponent(box.dataset.requestId) + '/' + verdict, {
          method: 'POST',
          credentials: 'omit',
          cache: 'no-store',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(comment.value.trim() === '' ? {} : { comment: comment.value.trim() }),
        });
        if (!r.ok) throw new Error(await problem(r));
        const decided = await r.json();
        document.querySelector('[data-testid="status"]').textContent = decided.status;
        show('done', (verdict === 'approve' ? 'Approved' : 'Rejected') + ' by ' + decided.decidedBy + '.');
      } catch (error) {
        show('failed', 'Not ' + (verdict === 'approve' ? 'approved' : 'rejected') + ': ' + error.message);
        for (const b of buttons) b.disabled = false;
      }
    });
  }
})();
`;

/** The page's Content-Security-Policy: the report page's, for this page's stylesheet and script. */
export const APPROVAL_PAGE_CSP = strictPageCsp({ style: STYLE, script: DECIDE_SCRIPT });

const time = (iso: string | null) => (iso === null ? '—' : `<time datetime="${h(iso)}">${h(iso.replace('.000Z', 'Z').replace('T', ' '))}</time>`);

export function renderApprovalPage(request: ApprovalDetailView): string {
  const rules = request.matchedRules
    .map((r) => `<tr data-rule-id="${h(r.ruleId)}"><th scope="row"><code>${h(r.ruleId)}</code></th><td>${h(r.kind)}</td><td>${h(r.effect)}</td><td>${h(r.severity)}</td><td>${h(r.reason)}</td></tr>`)
    .join('\n');
  const recent = request.recentDecisions
    .map((d) => `<tr><td><code>${h(d.decisionId)}</code></td><td><code>${h(d.tool)}</code></td><td>${h(d.resource)}</td><td>${h(d.outcome)}</td><td>${d.ruleIds.map((r) => `<code>${h(r)}</code>`).join(', ')}</td><td>${time(d.decidedAt)}</td></tr>`)
    .join('\n');
  const decided = request.decidedBy === null ? '' : `<p class="meta" data-testid="decided">Decided by ${h(request.decidedBy)} at ${time(request.decidedAt)}${request.comment ? `: ${h(request.comment)}` : ''}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Approval request: ${h(request.tool)} by ${h(request.agentId)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Approve this call?</h1>
<p class="meta">Request <code data-testid="request-id">${h(request.id)}</code> · <span class="status" data-testid="status">${h(request.status)}</span> · requested ${time(request.requestedAt)} · expires <span data-testid="expires-at">${time(request.expiresAt)}</span> (UTC)</p>
${decided}
</header>
<main>
<section aria-labelledby="call">
<h2 id="call">The call</h2>
<dl class="call">
<dt>Agent</dt><dd data-testid="agent">${h(request.agentId)}</dd>
<dt>Tool</dt><dd><code data-testid="tool">${h(request.tool)}</code></dd>
<dt>Resource</dt><dd data-testid="resource">${h(request.resource) || '—'}</dd>
<dt>Credential</dt><dd>${request.credentialFingerprint === '' ? '—' : `<code>sha256:${h(request.credentialFingerprint)}</code>`}</dd>
<dt>Arguments digest</dt><dd><code>${h(request.argumentsDigest)}</code></dd>
</dl>
<p class="note">An approval lets exactly this call through, once: the same agent, tool, arguments, resource and credential.</p>
<pre data-testid="arguments">${request.arguments === null ? '(the arguments were not JSON; only their digest is known)' : h(JSON.stringify(request.arguments, null, 2))}</pre>
</section>
<section aria-labelledby="why">
<h2 id="why">Why it needs approval</h2>
<p class="meta">Asked by ${request.ruleIds.map((r) => `<code>${h(r)}</code>`).join(', ') || '—'}</p>
<table data-testid="rules"><thead><tr><th scope="col">Rule</th><th scope="col">Kind</th><th scope="col">Effect</th><th scope="col">Severity</th><th scope="col">Reason</th></tr></thead><tbody>
${rules || '<tr><td colspan="5">No rule recorded.</td></tr>'}
</tbody></table>
</section>
<section aria-labelledby="decide-heading">
<h2 id="decide-heading">Decide</h2>
<div class="decide" data-testid="decide" data-request-id="${h(request.id)}">
<p>Approving or rejecting needs an API key of role <strong>approver</strong> of this tenant (an admin key cannot: whoever writes policy or manages keys does not also approve); the page never keeps it.</p>
<p><label>Approver API key <input type="password" autocomplete="off" spellcheck="false" placeholder="thoth_sk_…" data-testid="approver-key"></label></p>
<p><label>Comment (optional) <textarea rows="2" maxlength="1000" data-testid="comment"></textarea></label></p>
<p><button type="button" data-verdict="approve" data-testid="approve">Approve</button><button type="button" data-verdict="reject" data-testid="reject">Reject</button></p>
<output data-testid="decide-result" aria-live="polite"></output>
</div>
</section>
<section aria-labelledby="recent">
<h2 id="recent">The agent's recent calls</h2>
<table data-testid="recent-decisions"><thead><tr><th scope="col">Decision</th><th scope="col">Tool</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">Rules</th><th scope="col">Decided</th></tr></thead><tbody>
${recent || '<tr><td colspan="6">None recorded.</td></tr>'}
</tbody></table>
</section>
</main>
<script>${DECIDE_SCRIPT}</script>
</body>
</html>
`;
}
