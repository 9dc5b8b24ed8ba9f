// `pnpm demo`: the July 2025 CRM incident, replayed against a running Thoth by a scripted agent
// that uses nothing but @thoth/sdk and the HTTP APIs — like a customer's agent would — and, at
// the end, the offline verifier an auditor runs (the code of `thoth verify`).
import { verifyEvidenceBundle } from '@thoth/ledger';
import { Thoth, ThothDeniedError, type GuardEvent } from '@thoth/sdk';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { loadDemoConfig } from '../config/demo-config.js';
import { Crm, type CrmRow } from './crm.js';
import { loadDemoFile } from './demo-file.js';
import { api } from './seed.js';

const config = loadDemoConfig();
const demo = await loadDemoFile(config.file);
const key = demo.adminApiKey;
const n = (x: number) => x.toLocaleString('en-US');
const say = (line = '') => process.stdout.write(`${line}\n`);
// Services that serve TLS with a private CA's certificates: the SDK and this script's fetch trust it.
const ca = demo.ca === undefined ? undefined : readFileSync(demo.ca, 'utf8');
if (ca !== undefined) setDefaultCACertificates([...getCACertificates('default'), ca]);

// ── the agent: a CRM behind two guarded tools ────────────────────────────────────────────────
const answered: string[] = [];
const events: GuardEvent[] = [];
const thoth = new Thoth({
  address: demo.enforcer,
  tenantId: demo.tenantId,
  agentId: demo.agent.name,
  agentToken: demo.agent.token,
  source: { ip: demo.credential.ip, region: demo.credential.region },
  deadlineMs: 5_000,
  ...(ca !== undefined ? { tls: { ca } } : {}),
  onDecision: (event) => {
    events.push(event);
    const id = 'decision' in event ? (event.decision?.decisionId ?? ('error' in event ? event.error.decisionId : '')) : '';
    if (id) answered.push(id);
  },
});
let crm = new Crm();
const tools = (db: () => Crm) => ({
  deleteRecords: thoth.guard((args: { table: string; ids: number[] }) => db().delete(args.table, args.ids), {
    name: 'crm.delete_records',
    risk: 'destructive',
    resource: (args) => `crm/${args.table}`,
    credential: demo.credential.token,
  }),
  insertRecords: thoth.guard((args: { table: string; rows: CrmRow[] }) => db().insert(args.table, args.rows), {
    name: 'crm.insert_records',
    risk: 'write',
    resource: (args) => `crm/${args.table}`,
    credential: demo.credential.token,
  }),
});
const { deleteRecords, insertRecords } = tools(() => crm);

/** What the rogue agent did in July 2025: page through two tables deleting, then cover its tracks. */
function incidentScript(): Array<{ step: string; calls: Array<() => Promise<number>>; concurrent: boolean }> {
  const pages = (table: string, total: number) =>
    Array.from({ length: Math.ceil(total / 100) }, (_, p) => () => deleteRecords({ table, ids: range(p * 100 + 1, Math.min(total, p * 100 + 100)) }));
  const fakes = Array.from({ length: 4_000 }, (_, i) => () => {
    const table = i % 2 === 0 ? 'executives' : 'companies';
    return insertRecords({ table, rows: [{ id: 100_000 + i, name: `${table === 'executives' ? 'Exec' : 'Company'} ${i}`, fabricated: true }] });
  });
  return [
    { step: 'delete 1,206 executives (13 pages of 100)', calls: pages('executives', Crm.EXECUTIVES), concurrent: false },
    { step: 'delete 1,196 companies (12 pages of 100)', calls: pages('companies', Crm.COMPANIES), concurrent: false },
    { step: 'insert 4,000 fabricated records to hide it', calls: fakes, concurrent: true },
  ];
}

// ── 0. the tenant in its shadow trial, a code freeze declared ─────────────────────────────────
say(`Thoth demo — the July 2025 CRM incident, replayed by agent ${demo.agent.name} of tenant ${demo.tenantId}`);
say(`  enforcer ${demo.enforcer} · API ${demo.api}/v1 · ledger ${demo.ledger}/v1`);
say();
// This run's decisions, for its shadow report (a second run on the same data shares the trial window); the enforcer's clock is this host's.
const runStart = new Date(Date.now() - 1_000);
await setMode('shadow');
const freeze = await declareFreeze();
say(`0. Code freeze in effect: policy crm-guardrails v${freeze.version} (${freeze.range}, America/Los_Angeles)`);
await activated('shadow', freeze.version);

// ── 1. shadow ─────────────────────────────────────────────────────────────────────────────────
say();
say('1. Shadow mode (the seven-day trial): every call is decided and recorded, nothing is blocked');
const shadowStart = events.length;
for (const { step, calls, concurrent } of incidentScript()) {
  const from = events.length;
  const done = concurrent ? await pipelined(calls) : await sequential(calls);
  const mine = events.slice(from);
  const would = mine.filter((e) => e.outcome === 'shadow_deny');
  say(`   ${step}: ${n(mine.length)} calls, ${n(done)} records touched, ${n(would.length)} would have been denied (${ruleCounts(would)})`);
}
const shadowEvents = events.slice(shadowStart);
const shadowWould = shadowEvents.filter((e) => e.outcome === 'shadow_deny').length;
say(`   → all ${n(shadowEvents.length)} calls ran; ${n(shadowWould)} recorded as would-deny. The CRM now holds ${crm.describe()}.`);

// ── 2. enforce ────────────────────────────────────────────────────────────────────────────────
say();
await setMode('enforce');
const version = await activated('enforce', freeze.version);
say(`2. Enforce: one call, PUT /v1/tenant/mode {"mode":"enforce"} — active on the enforcer (config v${version}). Same agent, same script, a fresh CRM:`);
crm = new Crm();
const blocked: ThothDeniedError[] = [];
for (const { step, calls } of incidentScript()) {
  // The agent goes through its script; each step ends at its first denial (the error tells the model not to retry).
  try {
    let touched = 0;
    for (const call of calls) touched += await call();
    say(`   ✓ ${step}: allowed, ${n(touched)} records touched`);
  } catch (error) {
    if (!(error instanceof ThothDeniedError)) throw error;
    blocked.push(error);
    say(`   ✗ BLOCKED ${error.tool} — ${step}, stopped at its first call`);
    for (const rule of error.matchedRules) say(`       rule ${rule.ruleId} (${rule.kind}, ${rule.severity}): ${rule.reason}`);
    const r = error.receipt;
    say(`       receipt: decision ${error.decisionId}, enforcer ${r?.enforcerId ?? '?'}, signature ${r ? Buffer.from(r.signature).toString('hex').slice(0, 16) : '?'}…`);
  }
}
say(`   → ${blocked.length} unsafe calls blocked before they ran; the CRM still holds ${crm.describe()}.`);

// ── 3. evidence ───────────────────────────────────────────────────────────────────────────────
say();
const first = blocked[0];
if (first === undefined) throw new Error('enforce mode blocked nothing: is the freeze policy active?');
const bundle = await evidenceBundle(first.decisionId);
const verified = verifyEvidenceBundle(bundle, demo.ledgerVerifierKey);
if (!verified.ok) {
  say(`3. Evidence bundle of decision ${first.decisionId}: VERIFICATION FAILED ${verified.code}: ${verified.reason}`);
  process.exitCode = 1;
} else {
  const v = verified.value;
  say(`3. Evidence bundle of blocked decision ${v.decisionId}: entry ${v.leafIndex} of log ${v.origin}, signed checkpoint of size ${n(v.treeSize)}`);
  say(`   evidence bundle verified offline ✓ (with only the ledger public key ${demo.ledgerVerifierKey.split('+').slice(0, 2).join('+')}…)`);
}

// ── 4. the shadow report, on demand ───────────────────────────────────────────────────────────
say();
const runEnd = new Date(Date.now() + 1);
if (await recorded(answered.length, runStart, runEnd)) await shadowReport(runStart, runEnd);
else say('4. Shadow report: skipped — the control plane recorded none of this run’s decisions (it reads them from the decision log: set KAFKA_BROKERS on a control plane of its own).');

const denied = events.filter((e) => e.outcome === 'deny').length;
say();
say(`${n(answered.length)} decisions answered (${n(shadowWould)} shadow would-deny, ${n(denied)} denied), all on their way to the ledger.`);
if (config.decisionsOut) {
  await writeFile(config.decisionsOut, `${answered.join('\n')}\n`);
  say(`Decision ids written to ${config.decisionsOut}.`);
}
thoth.close();

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function sequential(calls: ReadonlyArray<() => Promise<number>>): Promise<number> {
  let touched = 0;
  for (const call of calls) touched += await call();
  return touched;
}

/** Many calls in flight at once: the SDK pipelines them on one DecideStream. */
async function pipelined(calls: ReadonlyArray<() => Promise<number>>, window = 200): Promise<number> {
  let touched = 0;
  for (let i = 0; i < calls.length; i += window) {
    for (const count of await Promise.all(calls.slice(i, i + window).map((call) => call()))) touched += count;
  }
  return touched;
}

function ruleCounts(list: readonly GuardEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of list) if ('decision' in e && e.decision) for (const r of e.decision.matchedRules) counts.set(r.ruleId, (counts.get(r.ruleId) ?? 0) + 1);
  return [...counts].map(([rule, count]) => `${rule} ×${n(count)}`).join(', ') || 'no rule';
}

async function setMode(mode: 'shadow' | 'enforce'): Promise<void> {
  const tenant = await api<{ mode: string }>(demo.api, 'GET', '/v1/tenant', { key });
  if (tenant.body.mode !== mode) await api(demo.api, 'PUT', '/v1/tenant/mode', { key, body: { mode } });
}

/**
 * Declares a freeze that is in effect now: the incident policy with its freeze range moved to this
 * week (the example's range is July 2025). Published as a new version when it differs.
 */
async function declareFreeze(): Promise<{ version: number; range: string }> {
  const current = await api<{ currentVersion: number; current: { source: string } }>(demo.api, 'GET', '/v1/policy', { key });
  const start = laDate(Date.now() - 86_400_000);
  const end = laDate(Date.now() + 7 * 86_400_000);
  const source = current.body.current.source
    .replace(/ranges:\n(\s+)- \{ start: "[^"]+", end: "[^"]+" \}/, `ranges:\n$1- { start: "${start}T00:00", end: "${end}T00:00" }`)
    .replace(/version: "[^"]+"/, `version: "${start}.freeze"`);
  const range = `${start} → ${end}`;
  if (source === current.body.current.source) return { version: current.body.currentVersion, range };
  const published = await api<{ currentVersion: number }>(demo.api, 'PUT', '/v1/policy', {
    key,
    body: { source },
    headers: { 'if-match': current.headers.get('etag') ?? `"${current.body.currentVersion}"` },
  });
  return { version: published.body.currentVersion, range };
}

/** `YYYY-MM-DD` in Los Angeles, where the policy's freeze is written. */
function laDate(at: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Waits until the tenant's config carries this mode and policy version and an enforcer has activated it (its ACK, as the control plane records it). */
async function activated(mode: 'shadow' | 'enforce', policyVersion: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const snapshot = (await api<{ version: number; mode: string; policyVersion: number | null }>(demo.api, 'GET', '/v1/distribution/snapshot', { key })).body;
    const enforcers = (await api<{ items: Array<{ status: string; activeConfig: { version: number } | null }> }>(demo.api, 'GET', '/v1/enforcers', { key })).body.items;
    if (snapshot.mode === mode && snapshot.policyVersion === policyVersion && enforcers.some((e) => e.status === 'active' && (e.activeConfig?.version ?? 0) >= snapshot.version)) return snapshot.version;
    if (Date.now() > deadline) throw new Error(`no enforcer activated config v${snapshot.version} (${mode}) within 30 s: is the enforcer connected?`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until the control plane's decision read model holds this run's decisions (they arrive
 * through the decision log). False when none arrived in 15 s: that control plane reads no decision log.
 */
async function recorded(expected: number, from: Date, to: Date): Promise<boolean> {
  const started = Date.now();
  const deadline = started + 60_000;
  for (;;) {
    let count = 0;
    let cursor: string | null = null;
    do {
      const query: string = `?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { items: unknown[]; next: string | null } = (await api<{ items: unknown[]; next: string | null }>(demo.api, 'GET', `/v1/decisions${query}`, { key })).body;
      count += page.items.length;
      cursor = page.next;
    } while (cursor !== null);
    if (count >= expected) return true;
    if (count === 0 && Date.now() > started + 15_000) return false;
    if (Date.now() > deadline) throw new Error(`the control plane recorded ${count} of ${expected} decisions within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface ReportFigures {
  id: string;
  report: {
    totals: { calls: number; allowed: number; wouldDeny: number; denied: number; agents: number; credentials: number };
    wouldBlock: { byRule: Array<{ ruleId: string; calls: number }> };
    credentials: { findings?: { counts: Record<string, number> } };
    riskiestActions: Array<{ agentId: string; tool: string; score: number }>;
    recommendedPolicy: { valid: boolean; allowLists: unknown[] };
  };
}

/** POST /v1/shadow-reports over this run, its key figures, and a view link to open it in a browser. */
async function shadowReport(from: Date, to: Date): Promise<void> {
  const { id, report } = (await api<ReportFigures>(demo.api, 'POST', '/v1/shadow-reports', { key, body: { window: { from: from.toISOString(), to: to.toISOString() } }, expect: 201 })).body;
  const t = report.totals;
  say(`4. Shadow report ${id} (POST /v1/shadow-reports, this run's window):`);
  say(`   ${n(t.calls)} calls: ${n(t.allowed)} allowed, ${n(t.wouldDeny)} would have been blocked, ${n(t.denied)} blocked · ${n(t.agents)} agent(s), ${n(t.credentials)} credential(s)`);
  say(`   would-be blocks by rule: ${report.wouldBlock.byRule.map((r) => `${r.ruleId} ×${n(r.calls)}`).join(', ') || 'none'}`);
  const riskiest = report.riskiestActions[0];
  if (riskiest) say(`   riskiest action: ${riskiest.agentId} · ${riskiest.tool} (score ${riskiest.score})`);
  const findings = Object.entries(report.credentials.findings?.counts ?? {}).filter(([, count]) => count > 0);
  say(`   credential findings: ${findings.map(([kind, count]) => `${kind} ×${count}`).join(', ') || 'none'}`);
  say(`   recommended policy: ${report.recommendedPolicy.valid ? 'compiles' : 'DOES NOT COMPILE'}`);
  const link = (await api<{ path: string; expiresAt: string }>(demo.api, 'POST', `/v1/shadow-reports/${id}/view-links`, { key, expect: 201 })).body;
  say(`   open it (read only, until ${link.expiresAt}): ${demo.api}${link.path}`);
}

/** The bundle from the ledger API (the tenant is the API key's), once the decision is folded and under a signed checkpoint. */
async function evidenceBundle(decisionId: string): Promise<string> {
  const paths = [`/v1/decisions/${decisionId}/evidence`, `/v1/tenants/${demo.tenantId}/decisions/${decisionId}/evidence`];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(demo.ledger + paths[0]!, { headers: { authorization: `Bearer ${key}` } });
    const text = await response.text();
    if (response.ok) return text;
    const code = (JSON.parse(text || '{}') as { code?: string }).code;
    if (code === 'http.not_found' && paths.length > 1) {
      paths.shift(); // a ledger from before API keys: the tenant in the path
      continue;
    }
    if ((code !== 'ledger.decision_not_found' && code !== 'ledger.not_yet_checkpointed' && code !== 'ledger.no_checkpoint') || Date.now() > deadline) {
      throw new Error(`GET ${demo.ledger}${paths[0]} answered ${response.status}: ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
