// Differential test: a deliberately simple reference evaluator, written here from the
// documented semantics (types.ts, the schema), must agree with the engine on every
// (policy, request, history) case: effect, shadow flag, error flag and the set of
// matched element ids with their effects. The reference indexes nothing and keeps the
// whole history as a list; CEL is limited to a grammar it evaluates itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  decide as decideTimed,
  WindowState,
  type CompiledPolicy,
  type CredentialBinding,
  type Decision,
  type DecisionRequest,
  type DirectoryAgent,
  type TenantContext,
} from './index.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

type Mode = 'enforce' | 'shadow';
type Effect = 'allow' | 'deny' | 'approve';
/** What a limit, freeze or sequence does when it would deny (docs/approvals.md). */
type Hold = 'deny' | 'approve';

// ---- The small world every case lives in ----

const TOOLS = ['crm.delete', 'crm.insert', 'crm.read', 'db.drop', 'db.insert', 'x'];
const TOOL_GLOBS = ['*', 'crm.*', '*.insert', '*.delete', 'db.?rop', 'crm.read', '?', 'c*e*'];
const RESOURCES = ['crm/execs', 'crm/companies', 'db/t1'];
const RESOURCE_GLOBS = ['*', 'crm/*', '*/t1', 'crm/execs', '?*'];
const AGENT_IDS = ['a1', 'a2', 'a3', 'a4', 'a5'];
const TEAMS = ['red', 'blue'];
const ENVS = ['prod', 'dev'];
const FINGERPRINTS = ['fp1', 'fp2', 'fp3'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
const DURATIONS: Record<string, number> = { '1s': 1_000, '10s': 10_000, '1m': 60_000, '1h': 3_600_000 };
const TENANT = 't1';

/** Which CIDRs each source IP is in, worked out by hand (IPv4-mapped IPv6 counts as IPv4). */
const CIDRS = ['10.0.0.0/8', '10.1.0.0/16', '192.168.1.1', '0.0.0.0/0', '2001:db8::/32'];
const IP_IN: Record<string, readonly string[]> = {
  '10.1.2.3': ['10.0.0.0/8', '10.1.0.0/16', '0.0.0.0/0'],
  '10.200.0.1': ['10.0.0.0/8', '0.0.0.0/0'],
  '192.168.1.1': ['192.168.1.1', '0.0.0.0/0'],
  '8.8.8.8': ['0.0.0.0/0'],
  '::ffff:10.1.2.3': ['10.0.0.0/8', '10.1.0.0/16', '0.0.0.0/0'],
  '2001:db8::5': ['2001:db8::/32'],
  '2001:db9::1': [],
  'not-an-ip': [],
  '': [],
};

// ---- CEL: the grammar the reference evaluates ----

type Operand = 'args.n' | 'size(args.ids)' | 'size(args.s)';
type Field = 'args.s' | 'args.n' | 'tool' | 'resource' | 'agent.id' | 'agent.environment';
type Literal = string | number | null;
type Cel =
  | { readonly k: 'cmp'; readonly op: '<' | '<=' | '>' | '>='; readonly left: Operand; readonly right: number }
  | { readonly k: 'eq'; readonly op: '==' | '!='; readonly left: Field; readonly right: Literal }
  | { readonly k: 'in'; readonly left: 'args.s' | 'tool'; readonly list: readonly string[] }
  | { readonly k: 'has'; readonly field: 'n' | 's' | 'ids' | 'where' }
  | { readonly k: 'flag' }
  | { readonly k: 'not'; readonly e: Cel }
  | { readonly k: 'and' | 'or'; readonly l: Cel; readonly r: Cel };

function celText(c: Cel): string {
  switch (c.k) {
    case 'cmp':
      return `${c.left} ${c.op} ${c.right}`;
    case 'eq':
      return `${c.left} ${c.op} ${c.right === null ? 'null' : JSON.stringify(c.right)}`;
    case 'in':
      return `${c.left} in [${c.list.map((s) => JSON.stringify(s)).join(', ')}]`;
    case 'has':
      return `has(args.${c.field})`;
    case 'flag':
      return 'args.flag';
    case 'not':
      return `!(${celText(c.e)})`;
    case 'and':
      return `(${celText(c.l)} && ${celText(c.r)})`;
    case 'or':
      return `(${celText(c.l)} || ${celText(c.r)})`;
  }
}

/** A CEL value, or ERROR (no such key, no matching overload...). */
const ERROR = Symbol('error');
type Value = unknown;

interface Activation {
  readonly tool: string;
  readonly resource: string;
  readonly args: Record<string, unknown>;
  readonly agent: { readonly id: string; readonly environment: string };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(act: Activation, name: string): Value {
  const [root, key] = name.split('.') as [string, string];
  const base: unknown = root === 'args' ? act.args : root === 'agent' ? act.agent : undefined;
  if (!isMap(base) || !Object.hasOwn(base, key)) return ERROR;
  return base[key];
}

function operand(act: Activation, o: Operand | Field): Value {
  if (o === 'tool') return act.tool;
  if (o === 'resource') return act.resource;
  if (o.startsWith('size(')) {
    const v = field(act, o.slice(5, -1));
    if (Array.isArray(v)) return v.length;
    if (typeof v === 'string') return [...v].length;
    if (isMap(v)) return Object.keys(v).length;
    return ERROR;
  }
  return field(act, o);
}

/** CEL equality: numbers by value, other values of the same kind by value, different kinds unequal. */
function celEquals(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && celEquals(a[k], b[k]));
  }
  return a === b;
}

function evalCel(c: Cel, act: Activation): Value {
  switch (c.k) {
    case 'cmp': {
      const v = operand(act, c.left);
      if (typeof v !== 'number') return ERROR;
      return c.op === '<' ? v < c.right : c.op === '<=' ? v <= c.right : c.op === '>' ? v > c.right : v >= c.right;
    }
    case 'eq': {
      const v = operand(act, c.left);
      if (v === ERROR) return ERROR;
      return c.op === '==' ? celEquals(v, c.right) : !celEquals(v, c.right);
    }
    case 'in': {
      const v = operand(act, c.left);
      if (v === ERROR) return ERROR;
      return c.list.some((x) => celEquals(v, x));
    }
    case 'has':
      return Object.hasOwn(act.args, c.field);
    case 'flag':
      return field(act, 'args.flag');
    case 'not': {
      const v = evalCel(c.e, act);
      return typeof v === 'boolean' ? !v : ERROR;
    }
    case 'and': {
      // Commutative: false on either side wins over an error on the other.
      const l = evalCel(c.l, act);
      const r = evalCel(c.r, act);
      if (l === false || r === false) return false;
      if (l === true && r === true) return true;
      return ERROR;
    }
    case 'or': {
      const l = evalCel(c.l, act);
      const r = evalCel(c.r, act);
      if (l === true || r === true) return true;
      if (l === false && r === false) return false;
      return ERROR;
    }
  }
}

// ---- The generated policy (mirrors the v1 schema; CEL kept as AST) ----

interface AgentSel {
  readonly ids?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly environments?: readonly string[];
}
interface Match {
  readonly agents?: AgentSel;
  readonly tools?: readonly string[];
  readonly resources?: readonly string[];
}
interface Rule {
  readonly id: string;
  readonly effect: Effect;
  readonly match?: Match;
  readonly when?: Cel;
  readonly mode?: Mode;
}
type RecordsExpr = 'size(args.ids)' | 'args.n' | 'size(args.s)';
type Scope = 'tenant' | 'agent' | 'agent_tool' | 'agent_resource' | 'credential' | 'tool' | 'resource';
interface Limit {
  readonly id: string;
  readonly match?: Match;
  readonly when?: Cel;
  readonly records?: RecordsExpr;
  readonly unboundedWhen?: Cel;
  readonly maxPerCall?: number;
  readonly window?: { readonly duration: string; readonly maxCalls?: number; readonly maxRecords?: number };
  readonly scope?: Scope;
  readonly mode?: Mode;
  readonly effect?: Hold;
}
interface Weekly {
  readonly days: readonly string[];
  readonly start: string;
  readonly end: string;
}
interface Freeze {
  readonly id: string;
  readonly match?: Match;
  readonly timeZone?: string;
  readonly ranges?: readonly { readonly start: string; readonly end: string }[];
  readonly weekly?: readonly Weekly[];
  readonly exceptions?: readonly { readonly name: string; readonly agents?: AgentSel; readonly tools?: readonly string[]; readonly resources?: readonly string[]; readonly effect?: 'flag' | 'approve' }[];
  readonly mode?: Mode;
  readonly effect?: Hold;
}
interface Step {
  readonly tools?: readonly string[];
  readonly resources?: readonly string[];
  readonly when?: Cel;
}
interface Sequence {
  readonly id: string;
  readonly match?: Match;
  readonly after: Step;
  readonly then: Step;
  readonly within: string;
  readonly sameResource?: boolean;
  readonly minCalls?: number;
  readonly mode?: Mode;
  readonly effect?: Hold;
}
interface Binding {
  readonly fingerprint: string;
  readonly agents?: readonly string[];
  readonly resources?: readonly string[];
  readonly cidrs?: readonly string[];
  readonly regions?: readonly string[];
  readonly onViolation?: 'deny' | 'flag' | 'approve';
}
interface Credentials {
  readonly onViolation?: 'deny' | 'flag' | 'approve';
  readonly unbound?: 'allow' | 'flag' | 'deny';
  readonly requireCredential?: boolean;
  readonly mode?: Mode;
  readonly bindings?: readonly Binding[];
}
interface Policy {
  readonly defaultEffect: 'allow' | 'deny';
  readonly documentMode?: Mode;
  readonly rules: readonly Rule[];
  readonly limits: readonly Limit[];
  readonly freezes: readonly Freeze[];
  readonly sequences: readonly Sequence[];
  readonly credentials?: Credentials;
}
interface Tenant {
  readonly mode?: Mode;
  readonly agents: readonly DirectoryAgent[];
  readonly credentials: readonly Binding[];
}
interface World {
  readonly policy: Policy;
  readonly tenant: Tenant;
  readonly buckets: number;
}
interface Call {
  readonly request: DecisionRequest;
  /** ms since the previous call (the first call is at the timeline's start). */
  readonly delay: number;
}
interface Case {
  readonly world: World;
  readonly start: number;
  readonly calls: readonly Call[];
}

// ---- Rendering to the engine's inputs ----

function stepDoc(s: Step): Record<string, unknown> {
  return { ...(s.tools ? { tools: s.tools } : {}), ...(s.resources ? { resources: s.resources } : {}), ...(s.when ? { when: celText(s.when) } : {}) };
}

function documentOf(p: Policy): Record<string, unknown> {
  return {
    apiVersion: 'thoth.dev/policy/v1',
    kind: 'Policy',
    metadata: { name: 'differential', version: '1' },
    defaults: { effect: p.defaultEffect, ...(p.documentMode ? { mode: p.documentMode } : {}) },
    rules: p.rules.map((r) => ({ ...r, ...(r.when ? { when: celText(r.when) } : {}) })),
    limits: p.limits.map((l) => ({ ...l, ...(l.when ? { when: celText(l.when) } : {}), ...(l.unboundedWhen ? { unboundedWhen: celText(l.unboundedWhen) } : {}) })),
    freezes: p.freezes,
    sequences: p.sequences.map((s) => ({ ...s, after: stepDoc(s.after), then: stepDoc(s.then) })),
    ...(p.credentials ? { credentials: p.credentials } : {}),
  };
}

function tenantOf(t: Tenant): TenantContext {
  return { ...(t.mode ? { mode: t.mode } : {}), agents: t.agents, credentials: t.credentials as CredentialBinding[] };
}

function compile(w: World): CompiledPolicy {
  const r = compilePolicy(documentOf(w.policy), { tenant: tenantOf(w.tenant) });
  if (!r.ok) throw new Error(`generated policy does not compile: ${JSON.stringify(r.errors)}\n${JSON.stringify(documentOf(w.policy))}`);
  return r.policy;
}

// ---- The reference evaluator ----

/** `*` any run of characters, `?` exactly one, everything else literal. */
function globMatch(glob: string, s: string): boolean {
  const g = [...glob];
  const t = [...s];
  const at = (i: number, j: number): boolean => {
    if (i === g.length) return j === t.length;
    if (g[i] === '*') {
      for (let k = j; k <= t.length; k++) if (at(i + 1, k)) return true;
      return false;
    }
    if (j === t.length) return false;
    return (g[i] === '?' || g[i] === t[j]) && at(i + 1, j + 1);
  };
  return at(0, 0);
}

const anyGlob = (globs: readonly string[] | undefined, s: string): boolean => globs === undefined || globs.some((g) => globMatch(g, s));

interface AgentView {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly environment: string;
}

function agentSelected(sel: AgentSel | undefined, a: AgentView): boolean {
  if (sel === undefined) return true;
  if (sel.ids !== undefined && !sel.ids.includes(a.id)) return false;
  if (sel.environments !== undefined && !sel.environments.includes(a.environment)) return false;
  for (const [k, v] of Object.entries(sel.labels ?? {})) if (a.labels[k] !== v) return false;
  return true;
}

function matched(m: Match | undefined, a: AgentView, tool: string, resource: string): boolean {
  return agentSelected(m?.agents, a) && anyGlob(m?.tools, tool) && anyGlob(m?.resources, resource);
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Local weekday (0 = Monday) and ms since local midnight, read off Intl's wall clock. */
function wallClock(zone: string, ms: number): { day: number; msOfDay: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }).formatToParts(ms);
  const part = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part('weekday'));
  const msOfDay = (Number(part('hour')) * 3600 + Number(part('minute')) * 60 + Number(part('second'))) * 1000 + (((ms % 1000) + 1000) % 1000);
  return { day, msOfDay };
}

const hhmm = (s: string) => (Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5))) * 60_000;

function freezeActive(f: Freeze, now: number): boolean {
  for (const r of f.ranges ?? []) if (now >= Date.parse(r.start) && now < Date.parse(r.end)) return true;
  const { day, msOfDay } = wallClock(f.timeZone ?? 'UTC', now);
  for (const w of f.weekly ?? []) {
    const start = hhmm(w.start);
    const end = hhmm(w.end);
    for (const d of w.days) {
      const i = DAYS.indexOf(d);
      if (start < end) {
        if (day === i && msOfDay >= start && msOfDay < end) return true;
      } else {
        // Overnight: from start on day d until end on the next day.
        if (day === i && msOfDay >= start) return true;
        if (day === (i + 1) % 7 && msOfDay < end) return true;
      }
    }
  }
  return false;
}

/** What an allowed call adds to a sliding window. */
interface Counted {
  readonly counter: string;
  readonly windowMs: number;
  readonly records: number;
  readonly at: number;
}

/** Sums over the window ending at `now`, with the documented bucketing (resolution = ceil(window / buckets)). */
function windowSum(history: readonly Counted[], counter: string, windowMs: number, now: number, buckets: number): { calls: number; records: number } {
  const resolution = Math.max(1, Math.ceil(windowMs / buckets));
  const size = Math.ceil(windowMs / resolution);
  const nowBucket = Math.floor(now / resolution);
  let calls = 0;
  let records = 0;
  for (const h of history) {
    if (h.counter !== counter || h.windowMs !== windowMs) continue;
    const b = Math.floor(h.at / resolution);
    if (b > nowBucket - size && b <= nowBucket) {
      calls++;
      records += h.records;
    }
  }
  return { calls, records };
}

interface Entry {
  readonly id: string;
  readonly effect: 'allow' | 'deny' | 'flag' | 'approve';
  /** The element's own mode: a shadow element's deny does not block. */
  readonly mode: Mode;
  readonly isRule: boolean;
}

interface Expected {
  readonly effect: Effect;
  readonly shadow: boolean;
  readonly error: boolean;
  readonly entries: readonly string[];
  /** The elements that asked for approval, sorted (effect approve only). */
  readonly approval?: readonly string[];
  readonly counted: readonly Counted[];
}

const UNBOUNDED = 2 ** 50;

function referenceDecide(w: World, req: DecisionRequest, history: readonly Counted[], now: number): Expected {
  const { policy, tenant } = w;
  const dir = tenant.agents.find((a) => a.id === req.agent.id);
  const dead = (s: string | undefined) => s === 'suspended' || s === 'retired';
  if (dead(dir?.status) || dead(req.agent.status)) {
    return { effect: 'deny', shadow: false, error: false, entries: ['agent-status:deny'], counted: [] };
  }
  const agent: AgentView = { id: req.agent.id, labels: dir?.labels ?? req.agent.labels ?? {}, environment: dir?.environment ?? req.agent.environment ?? '' };
  const tool = req.tool;
  const resource = req.resource ?? '';
  const act: Activation = { tool, resource, args: req.args as Record<string, unknown>, agent };
  const entries: Entry[] = [];
  const counted: Counted[] = [];
  let error = false;
  const fail = (id: string, mode: Mode) => {
    error = true;
    entries.push({ id, effect: 'deny', mode, isRule: false });
  };
  /** true / false, or undefined after recording a fail-closed deny. */
  const test = (c: Cel, id: string, mode: Mode): boolean | undefined => {
    const v = evalCel(c, act);
    if (typeof v === 'boolean') return v;
    fail(id, mode);
    return undefined;
  };

  // Credentials.
  const cred = policy.credentials;
  const credMode = cred?.mode ?? 'enforce';
  const onViolation = cred?.onViolation ?? 'deny';
  const fp = req.credential?.fingerprint ?? '';
  if (fp === '') {
    if (cred?.requireCredential === true) entries.push({ id: 'credential:none', effect: onViolation, mode: credMode, isRule: false });
  } else {
    const binding = tenant.credentials.find((b) => b.fingerprint === fp) ?? cred?.bindings?.find((b) => b.fingerprint === fp);
    if (binding === undefined) {
      const unbound = cred?.unbound ?? 'allow';
      if (unbound !== 'allow') entries.push({ id: `credential:${fp}`, effect: unbound, mode: credMode, isRule: false });
    } else {
      const ip = req.source?.ip ?? '';
      const region = req.source?.region;
      const ok =
        (binding.agents === undefined || binding.agents.includes(agent.id)) &&
        anyGlob(binding.resources, resource) &&
        (binding.cidrs === undefined || binding.cidrs.some((c) => (IP_IN[ip] ?? []).includes(c))) &&
        (binding.regions === undefined || (region !== undefined && binding.regions.includes(region)));
      if (!ok) entries.push({ id: `credential:${fp}`, effect: binding.onViolation ?? onViolation, mode: credMode, isRule: false });
    }
  }

  // Freezes.
  for (const f of policy.freezes) {
    if (!matched(f.match, agent, tool, resource) || !freezeActive(f, now)) continue;
    const excepted = (f.exceptions ?? []).some((x) => agentSelected(x.agents, agent) && anyGlob(x.tools, tool) && anyGlob(x.resources, resource));
    const exception = (f.exceptions ?? []).find((x) => agentSelected(x.agents, agent) && anyGlob(x.tools, tool) && anyGlob(x.resources, resource));
    entries.push({ id: f.id, effect: excepted ? (exception?.effect ?? 'flag') : (f.effect ?? 'deny'), mode: f.mode ?? 'enforce', isRule: false });
  }

  // Rules.
  for (const r of policy.rules) {
    const mode = r.mode ?? 'enforce';
    if (!matched(r.match, agent, tool, resource)) continue;
    if (r.when !== undefined && test(r.when, r.id, mode) !== true) continue;
    entries.push({ id: r.id, effect: r.effect, mode, isRule: true });
  }

  // Limits.
  for (const l of policy.limits) {
    const mode = l.mode ?? 'enforce';
    if (!matched(l.match, agent, tool, resource)) continue;
    if (l.when !== undefined && test(l.when, l.id, mode) !== true) continue;
    let records = 1;
    if (l.unboundedWhen !== undefined) {
      const u = test(l.unboundedWhen, l.id, mode);
      if (u === undefined) continue;
      if (u) records = UNBOUNDED;
    }
    if (records !== UNBOUNDED && l.records !== undefined) {
      const v = operand(act, l.records);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        fail(l.id, mode);
        continue;
      }
      records = Math.ceil(v);
    }
    let deny = l.maxPerCall !== undefined && records > l.maxPerCall;
    if (l.window !== undefined) {
      const scope = l.scope ?? 'agent';
      const who: Record<Scope, readonly string[] | undefined> = {
        tenant: [req.tenantId],
        agent: [req.tenantId, agent.id],
        agent_tool: [req.tenantId, agent.id, tool],
        agent_resource: [req.tenantId, agent.id, resource],
        credential: fp === '' ? undefined : [req.tenantId, fp],
        tool: [req.tenantId, tool],
        resource: [req.tenantId, resource],
      };
      const parts = who[scope];
      if (parts !== undefined) {
        const counter = JSON.stringify(['limit', l.id, ...parts]);
        const windowMs = DURATIONS[l.window.duration]!;
        const sum = windowSum(history, counter, windowMs, now, w.buckets);
        if (l.window.maxCalls !== undefined && sum.calls + 1 > l.window.maxCalls) deny = true;
        if (l.window.maxRecords !== undefined && sum.records + records > l.window.maxRecords) deny = true;
        counted.push({ counter, windowMs, records, at: now });
      }
    }
    if (deny) entries.push({ id: l.id, effect: l.effect ?? 'deny', mode, isRule: false });
  }

  // Sequences: this call as `then` after earlier `after` calls; and as an `after` call itself.
  for (const s of policy.sequences) {
    const mode = s.mode ?? 'enforce';
    if (!matched(s.match, agent, tool, resource)) continue;
    const counter = JSON.stringify(['sequence', s.id, req.tenantId, agent.id, ...(s.sameResource === false ? [] : [resource])]);
    const windowMs = DURATIONS[s.within]!;
    if (anyGlob(s.then.tools, tool) && anyGlob(s.then.resources, resource) && (s.then.when === undefined || test(s.then.when, s.id, mode) === true)) {
      if (windowSum(history, counter, windowMs, now, w.buckets).calls >= (s.minCalls ?? 1)) entries.push({ id: s.id, effect: s.effect ?? 'deny', mode, isRule: false });
    }
    if (anyGlob(s.after.tools, tool) && anyGlob(s.after.resources, resource) && (s.after.when === undefined || test(s.after.when, s.id, mode) === true)) {
      counted.push({ counter, windowMs, records: 0, at: now });
    }
  }

  // Deny overrides approve, approve overrides allow; with none, the document's default.
  const shadowed = tenant.mode === 'shadow' || policy.documentMode === 'shadow';
  const enforcedDeny = entries.some((e) => e.effect === 'deny' && e.mode === 'enforce');
  const approving = entries.filter((e) => e.effect === 'approve' && e.mode === 'enforce').map((e) => e.id);
  const allowRule = entries.some((e) => e.isRule && e.effect === 'allow' && e.mode === 'enforce');
  let outcome: Effect;
  if (enforcedDeny) outcome = 'deny';
  else if (approving.length > 0) outcome = 'approve';
  else if (allowRule) outcome = 'allow';
  else {
    outcome = policy.defaultEffect;
    entries.push({ id: 'default', effect: policy.defaultEffect, mode: 'enforce', isRule: false });
  }
  const shadowDeny = entries.some((e) => (e.effect === 'deny' || e.effect === 'approve') && e.mode === 'shadow');
  const effect: Effect = shadowed ? 'allow' : outcome;
  const shadow = effect === 'allow' && (outcome !== 'allow' || shadowDeny);
  return {
    effect,
    shadow,
    error,
    entries: [...new Set(entries.map((e) => `${e.id}:${e.effect}`))].sort(),
    ...(effect === 'approve' ? { approval: [...new Set(approving)].sort() } : {}),
    counted,
  };
}

// ---- Generators ----

/** `a` with weight `present`, absent (undefined) with weight `absent`; shrinks towards absent. */
const maybe = <T>(a: fc.Arbitrary<T>, present = 1, absent = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary: a });
const mode = maybe(fc.constantFrom<Mode>('enforce', 'enforce', 'shadow'));
/** Mostly the default (deny), sometimes asking for approval. */
const hold = maybe(fc.constantFrom<Hold>('deny', 'approve'), 1, 2);
/** Drops keys whose value is undefined, as a parsed document would not have them. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const cel: fc.Arbitrary<Cel> = fc.letrec<{ c: Cel }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.record({ k: fc.constant('cmp' as const), op: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const), left: fc.constantFrom<Operand>('args.n', 'size(args.ids)', 'size(args.s)'), right: fc.integer({ min: -1, max: 4 }) }),
    // args is dyn: any literal type-checks; the request's string fields only compare to strings.
    fc.record({
      k: fc.constant('eq' as const),
      op: fc.constantFrom('==' as const, '!=' as const),
      left: fc.constantFrom<Field>('args.s', 'args.n'),
      right: fc.constantFrom<Literal>('x', 'y', '', 0, 2, 3, null),
    }),
    fc.record({
      k: fc.constant('eq' as const),
      op: fc.constantFrom('==' as const, '!=' as const),
      left: fc.constantFrom<Field>('tool', 'resource', 'agent.id', 'agent.environment'),
      right: fc.constantFrom<Literal>('', 'crm.delete', 'crm/execs', 'a1', 'prod'),
    }),
    fc.record({ k: fc.constant('in' as const), left: fc.constantFrom('args.s' as const, 'tool' as const), list: fc.subarray(['x', 'y', 'crm.insert', 'db.drop']) }),
    fc.record({ k: fc.constant('has' as const), field: fc.constantFrom('n' as const, 's' as const, 'ids' as const, 'where' as const) }),
    fc.constant({ k: 'flag' as const }),
    tie('c').map((e): Cel => ({ k: 'not', e })),
    fc.record({ k: fc.constantFrom('and' as const, 'or' as const), l: tie('c'), r: tie('c') }),
  ),
})).c;

const agentSel: fc.Arbitrary<AgentSel> = fc
  .record(
    {
      ids: fc.subarray(AGENT_IDS, { minLength: 1 }),
      labels: fc.record({ team: fc.constantFrom(...TEAMS), env: fc.constantFrom(...ENVS) }, { requiredKeys: [] }),
      environments: fc.subarray(ENVS, { minLength: 1 }),
    },
    { requiredKeys: [] },
  )
  .map(clean);
const toolGlobs = fc.subarray(TOOL_GLOBS, { minLength: 1, maxLength: 2 });
const resourceGlobs = fc.subarray(RESOURCE_GLOBS, { minLength: 1, maxLength: 2 });
const match: fc.Arbitrary<Match> = fc.record({ agents: agentSel, tools: toolGlobs, resources: resourceGlobs }, { requiredKeys: [] }).map(clean);

function withIds<T extends { id: string }>(prefix: string, xs: readonly Omit<T, 'id'>[]): T[] {
  return xs.map((x, i) => ({ id: `${prefix}${i}`, ...x }) as T);
}

const rules = fc
  .array(fc.record({ effect: fc.constantFrom<Effect>('allow', 'deny', 'allow', 'deny', 'approve'), match: maybe(match, 3), when: maybe(cel), mode }), { maxLength: 5 })
  .map((rs) => withIds<Rule>('r', rs.map(clean)));

const limits = fc
  .array(
    fc
      .record({
        match: maybe(match, 2),
        when: maybe(cel, 1, 2),
        records: maybe(fc.constantFrom<RecordsExpr>('size(args.ids)', 'args.n', 'size(args.s)'), 2),
        unboundedWhen: maybe(fc.constantFrom<Cel>({ k: 'has', field: 'where' }, { k: 'flag' }), 1, 3),
        maxPerCall: maybe(fc.integer({ min: 0, max: 4 })),
        window: maybe(
          fc.oneof(
            fc.record({ duration: fc.constantFrom(...Object.keys(DURATIONS)), maxCalls: fc.integer({ min: 0, max: 4 }) }),
            fc.record({ duration: fc.constantFrom(...Object.keys(DURATIONS)), maxRecords: fc.integer({ min: 0, max: 8 }) }),
            fc.record({ duration: fc.constantFrom(...Object.keys(DURATIONS)), maxCalls: fc.integer({ min: 0, max: 4 }), maxRecords: fc.integer({ min: 0, max: 8 }) }),
          ),
          3,
        ),
        scope: maybe(fc.constantFrom<Scope>('tenant', 'agent', 'agent_tool', 'agent_resource', 'credential', 'tool', 'resource')),
        mode,
        effect: hold,
      })
      .map(clean)
      .filter((l) => l.maxPerCall !== undefined || l.window !== undefined),
    { maxLength: 2 },
  )
  .map((ls) => withIds<Limit>('l', ls));

const TIMES = ['00:00', '06:30', '09:00', '17:45', '22:00'];
const weekly: fc.Arbitrary<Weekly> = fc
  .record({ days: fc.subarray(DAYS, { minLength: 1, maxLength: 3 }), start: fc.constantFrom(...TIMES), end: fc.constantFrom(...TIMES, '24:00') })
  .filter((wk) => wk.start !== wk.end && !(wk.start === '00:00' && wk.end === '24:00' && false));
const isoTime = (base: number) => fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }).map((d) => new Date(base + d).toISOString());

const freezes = (base: number) =>
  fc
    .array(
      fc
        .record({
          match: maybe(match, 2),
          timeZone: maybe(fc.constantFrom(...ZONES), 4),
          ranges: maybe(
            fc.array(
              fc.tuple(isoTime(base), isoTime(base)).filter(([a, b]) => a !== b).map(([a, b]) => (a < b ? { start: a, end: b } : { start: b, end: a })),
              { minLength: 1, maxLength: 2 },
            ),
          ),
          weekly: maybe(fc.array(weekly, { minLength: 1, maxLength: 2 })),
          exceptions: maybe(
            fc
              .array(fc.record({ name: fc.constant('x'), agents: agentSel, tools: toolGlobs, resources: resourceGlobs, effect: fc.constantFrom<'flag' | 'approve'>('flag', 'approve') }, { requiredKeys: ['name'] }).map(clean), {
                minLength: 1,
                maxLength: 2,
              }),
            1,
            2,
          ),
          mode,
          effect: hold,
        })
        .map(clean)
        .filter((f) => f.ranges !== undefined || f.weekly !== undefined),
      { maxLength: 1 },
    )
    .map((fs) => withIds<Freeze>('f', fs));

const step: fc.Arbitrary<Step> = fc.record({ tools: toolGlobs, resources: resourceGlobs, when: cel }, { requiredKeys: [] }).map(clean);
const sequences = fc
  .array(
    fc
      .record({
        match: maybe(match),
        after: step,
        then: step,
        within: fc.constantFrom(...Object.keys(DURATIONS)),
        sameResource: maybe(fc.boolean()),
        minCalls: maybe(fc.integer({ min: 1, max: 3 })),
        mode,
        // Sequences are few and rarely match: asking for approval more often keeps it covered.
        effect: maybe(fc.constantFrom<Hold>('deny', 'approve', 'approve')),
      })
      .map(clean),
    { maxLength: 1 },
  )
  .map((ss) => withIds<Sequence>('s', ss));

const binding = (fps: readonly string[]): fc.Arbitrary<Binding> =>
  fc
    .record(
      {
        fingerprint: fc.constantFrom(...fps),
        agents: fc.subarray(AGENT_IDS, { minLength: 1 }),
        resources: resourceGlobs,
        cidrs: fc.subarray(CIDRS, { minLength: 1, maxLength: 2 }),
        regions: fc.subarray(REGIONS, { minLength: 1 }),
        onViolation: fc.constantFrom<'deny' | 'flag' | 'approve'>('deny', 'flag', 'approve'),
      },
      { requiredKeys: ['fingerprint'] },
    )
    .map(clean);
const credentials: fc.Arbitrary<Credentials | undefined> = maybe(
  fc
    .record(
      {
        onViolation: fc.constantFrom<'deny' | 'flag' | 'approve'>('deny', 'flag', 'approve'),
        unbound: fc.constantFrom<'allow' | 'flag' | 'deny'>('allow', 'flag', 'deny'),
        requireCredential: fc.boolean(),
        mode: fc.constantFrom<Mode>('enforce', 'shadow'),
        bindings: fc.uniqueArray(binding(FINGERPRINTS), { selector: (b) => b.fingerprint, maxLength: 2 }),
      },
      { requiredKeys: [] },
    )
    .map(clean),
  1,
);

const directory: fc.Arbitrary<DirectoryAgent[]> = fc
  .tuple(
    ...AGENT_IDS.slice(0, 4).map((id) =>
      maybe(
        fc
          .record({
            id: fc.constant(id),
            status: fc.constantFrom<DirectoryAgent['status']>(...Array<DirectoryAgent['status']>(14).fill('active'), 'suspended', 'retired'),
            labels: fc.record({ team: fc.constantFrom(...TEAMS), env: fc.constantFrom(...ENVS) }, { requiredKeys: [] }),
            environment: fc.constantFrom(...ENVS),
          })
          .map((a): DirectoryAgent => a),
        4,
      ),
    ),
  )
  .map((as) => as.filter((a) => a !== undefined));

const world = (base: number): fc.Arbitrary<World> =>
  fc.record({
    policy: fc
      .record({
        defaultEffect: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
        documentMode: maybe(fc.constantFrom<Mode>('enforce', 'enforce', 'enforce', 'shadow')),
        rules,
        limits,
        freezes: freezes(base),
        sequences,
        credentials,
      })
      .map(clean),
    tenant: fc
      .record({
        mode: maybe(fc.constantFrom<Mode>('enforce', 'enforce', 'enforce', 'shadow')),
        agents: directory,
        credentials: fc.uniqueArray(binding(['fp2', 'fp3']), { selector: (b) => b.fingerprint, maxLength: 1 }),
      })
      .map(clean),
    buckets: fc.constantFrom(1, 3, 20),
  });

const args: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      n: fc.constantFrom<unknown>(-1, -0.5, 0, 1, 2, 2.5, 3, 10, '7', null),
      s: fc.constantFrom<unknown>('x', 'y', '', 'héllo', 1),
      ids: fc.oneof(fc.array(fc.constantFrom('i1', 'i2', 'i3'), { maxLength: 5 }), fc.constant('abc')),
      flag: fc.constantFrom<unknown>(true, false, 'yes'),
      where: fc.constantFrom<unknown>(null, { a: 1 }),
    },
    { requiredKeys: [] },
  )
  .map(clean);

const request: fc.Arbitrary<DecisionRequest> = fc
  .record({
    agent: fc
      .record(
        {
          id: fc.constantFrom(...AGENT_IDS),
          labels: fc.record({ team: fc.constantFrom(...TEAMS), env: fc.constantFrom(...ENVS) }, { requiredKeys: [] }),
          environment: fc.constantFrom(...ENVS),
          status: fc.constantFrom<DirectoryAgent['status']>(...Array<DirectoryAgent['status']>(19).fill('active'), 'suspended'),
        },
        { requiredKeys: ['id'] },
      )
      .map(clean),
    tool: fc.constantFrom(...TOOLS),
    args,
    resource: maybe(fc.constantFrom(...RESOURCES), 5),
    credential: maybe(fc.record({ fingerprint: fc.constantFrom('fp1', 'fp2', 'fp3', 'fp4', '') }), 2),
    source: maybe(fc.record({ ip: fc.constantFrom(...Object.keys(IP_IN)), region: fc.constantFrom(...REGIONS, 'ap-south-1') }, { requiredKeys: [] }).map(clean), 5),
  })
  .map((r) => clean({ tenantId: TENANT, ...r }) as DecisionRequest);

/** Gaps between calls: mostly within every window, sometimes across them. */
const delay = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3_000 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 90_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 * 3_600_000 }) });

/** Timelines start in 2024–2026 (both DST seasons), occasionally anywhere in 1901–2099 (negative epoch ms too). */
const start = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }) },
  { weight: 1, arbitrary: fc.integer({ min: Date.parse('1901-01-01T00:00:00Z'), max: Date.parse('2099-12-31T00:00:00Z') }) },
);

const CALLS_PER_CASE = 24;
const testCase: fc.Arbitrary<Case> = start.chain((s) =>
  fc.record({
    world: world(s),
    start: fc.constant(s),
    calls: fc.array(fc.record({ request, delay }), { minLength: CALLS_PER_CASE / 2, maxLength: CALLS_PER_CASE * 1.5 }),
  }),
);

// ---- Running a case through both ----

function actual(d: Decision): Omit<Expected, 'counted'> {
  return {
    effect: d.effect,
    shadow: d.shadow,
    error: d.error !== undefined,
    entries: [...new Set(d.matched.map((m) => `${m.ruleId}:${m.effect}`))].sort(),
    ...(d.approval ? { approval: [...d.approval.ruleIds].sort() } : {}),
  };
}

/** What the compared decisions exercised, so a generator that drifts into trivia fails the test. */
const coverage = new Map<string, number>();
function tally(d: Decision): void {
  const seen = new Set<string>([`effect:${d.effect}`]);
  if (d.shadow) seen.add('shadow');
  if (d.error) seen.add(`error:${d.error.code}`);
  for (const m of d.matched) {
    seen.add(`${m.kind}:${m.effect}`);
    if (m.kind === 'limit' && m.reason.includes(' within ')) seen.add('limit:window');
    if (m.kind === 'limit' && m.reason.includes(' per call')) seen.add('limit:per_call');
    if (m.kind === 'freeze' && m.reason.includes('weekly')) seen.add('freeze:weekly');
    if (m.kind === 'freeze' && m.reason.includes(' from ')) seen.add('freeze:range');
  }
  for (const k of seen) coverage.set(k, (coverage.get(k) ?? 0) + 1);
}

/** Decides every call of the case with both; returns how many calls were compared. */
function runCase(c: Case): number {
  const policy = compile(c.world);
  const state = new WindowState({ maxKeys: 1_000_000, buckets: c.world.buckets });
  const history: Counted[] = [];
  let now = c.start;
  c.calls.forEach((call, i) => {
    now += call.delay;
    const expected = referenceDecide(c.world, call.request, history, now);
    const got = decide(policy, call.request, state, now);
    const { counted, ...want } = expected;
    const have = actual(got);
    if (JSON.stringify(have) !== JSON.stringify(want)) {
      throw new Error(
        `engine and reference disagree at call ${i} (now ${new Date(now).toISOString()}):\n` +
          `  engine:    ${JSON.stringify(have)}${got.error ? ` error=${got.error.message}` : ''}\n  reference: ${JSON.stringify(want)}\n` +
          `  request:   ${JSON.stringify(call.request)}\n  document:  ${JSON.stringify(documentOf(c.world.policy))}\n` +
          `  tenant:    ${JSON.stringify(c.world.tenant)} buckets=${c.world.buckets}\n  matched:   ${JSON.stringify(got.matched.map((m) => m.reason))}`,
      );
    }
    tally(got);
    state.apply(got.updates, now);
    history.push(...counted);
  });
  return c.calls.length;
}

// fast-check picks a fresh seed per run and prints it with the shrunk counterexample.
const RUNS_PER_BATCH = 1_300;
const BATCHES = 4;

describe('engine agrees with the reference evaluator', () => {
  let compared = 0;
  for (let batch = 0; batch < BATCHES; batch++) {
    it(`on random (policy, request, history) cases, batch ${batch + 1}/${BATCHES}`, () => {
      fc.assert(
        fc.property(testCase, (c) => {
          compared += runCase(c);
        }),
        { numRuns: RUNS_PER_BATCH },
      );
    });
  }

  it('compared at least 100,000 decisions, covering every kind of outcome', () => {
    expect(compared).toBeGreaterThanOrEqual(100_000);
    process.stdout.write(`differential coverage: ${JSON.stringify(Object.fromEntries([...coverage].sort()))}\n`);
    const kinds = [
      'effect:allow',
      'effect:deny',
      'effect:approve',
      'shadow',
      'error:cel.eval',
      'error:cel.result_type',
      'error:records.invalid',
      'rule:allow',
      'rule:deny',
      'rule:approve',
      'limit:approve',
      'freeze:approve',
      'sequence:approve',
      'credential:approve',
      'limit:window',
      'limit:per_call',
      'freeze:weekly',
      'freeze:range',
      'freeze:flag',
      'sequence:deny',
      'credential:deny',
      'credential:flag',
      'agent_status:deny',
      'default:allow',
      'default:deny',
    ];
    // A sequence matches only after its first step (most of its entries are failed conditions): a held second step is rarer.
    const fewer: Record<string, number> = { 'sequence:approve': 20 };
    for (const k of kinds) expect(coverage.get(k) ?? 0, `decisions showing ${k}`).toBeGreaterThanOrEqual(fewer[k] ?? 200);
  });
});

// ---- Properties ----

const world1 = start.chain((s) => fc.tuple(world(s), fc.constant(s), fc.array(fc.record({ request, delay }), { minLength: 1, maxLength: 12 })));

describe('deny overrides allow', () => {
  it('adding a deny rule never turns deny into allow, and turns allow into deny when it matches', () => {
    const extra = fc.record({ match: maybe(match), when: maybe(cel) }).map(clean);
    fc.assert(
      fc.property(world1, extra, fc.boolean(), ([w, s, calls], x, first) => {
        const denyRule: Rule = { id: 'zz-deny', effect: 'deny', ...x };
        const rules2 = first ? [denyRule, ...w.policy.rules] : [...w.policy.rules, denyRule];
        const base = compile(w);
        const more = compile({ ...w, policy: { ...w.policy, rules: rules2 } });
        const shadowed = base.mode === 'shadow';
        const state = new WindowState({ maxKeys: 1_000_000, buckets: w.buckets });
        let now = s;
        for (const call of calls) {
          now += call.delay;
          const d1 = decide(base, call.request, state, now);
          const d2 = decide(more, call.request, state, now);
          const wouldDeny = (d: Decision) => d.effect !== 'allow' || d.shadow;
          if (wouldDeny(d1)) expect(wouldDeny(d2)).toBe(true);
          if (!shadowed && d1.effect === 'deny') expect(d2.effect).toBe('deny');
          if (d2.matched.some((m) => m.ruleId === 'zz-deny')) {
            expect(d2.effect).toBe(shadowed ? 'allow' : 'deny');
            expect(wouldDeny(d2)).toBe(true);
          }
          state.apply(d1.updates, now);
        }
      }),
      { numRuns: 1_500 },
    );
  });

  it('an unconditional deny rule matching everything denies every call (or marks it would-deny in shadow)', () => {
    fc.assert(
      fc.property(world1, ([w, s, calls]) => {
        const policy = compile({ ...w, policy: { ...w.policy, rules: [...w.policy.rules, { id: 'zz-deny', effect: 'deny' }] } });
        const state = new WindowState({ buckets: w.buckets });
        let now = s;
        for (const call of calls) {
          now += call.delay;
          const d = decide(policy, call.request, state, now);
          // The kill switch denies even in shadow mode; everything else is would-deny there.
          if (policy.mode === 'shadow' && !d.matched.some((m) => m.kind === 'agent_status')) expect(d.effect === 'allow' && d.shadow).toBe(true);
          else expect(d.effect).toBe('deny');
          state.apply(d.updates, now);
        }
      }),
      { numRuns: 800 },
    );
  });
});

describe('decisions are deterministic', () => {
  it('same inputs give deep-equal decisions: twice, after a JSON round-trip of the request, and from a recompiled policy', () => {
    fc.assert(
      fc.property(world1, ([w, s, calls]) => {
        const p1 = compile(w);
        const p2 = compile(w);
        const state = new WindowState({ maxKeys: 1_000_000, buckets: w.buckets });
        let now = s;
        for (const call of calls) {
          now += call.delay;
          const d = decide(p1, call.request, state, now);
          expect(decide(p1, call.request, state, now)).toStrictEqual(d);
          expect(decide(p1, JSON.parse(JSON.stringify(call.request)) as DecisionRequest, state, now)).toEqual(d);
          expect(decide(p2, call.request, state, now)).toEqual(d);
          state.apply(d.updates, now);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('pinned cases from libs/policy/FINDINGS.md', () => {
  const base = { apiVersion: 'thoth.dev/policy/v1', kind: 'Policy', metadata: { name: 'pinned', version: '1' }, defaults: { effect: 'allow' } };
  const call: DecisionRequest = { tenantId: TENANT, agent: { id: 'a1' }, tool: 'crm.delete', args: { n: -0.5 } };
  const compiled = (doc: object): CompiledPolicy => {
    const r = compilePolicy(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.policy;
  };

  it('a negative fractional records count fails closed, like any negative count', () => {
    const policy = compiled({ ...base, limits: [{ id: 'l0', records: 'args.n', maxPerCall: 5 }] });
    const d = decide(policy, call, new WindowState(), Date.parse('2025-07-15T10:00:00Z'));
    expect(actual(d)).toEqual({ effect: 'deny', shadow: false, error: true, entries: ['l0:deny'] });
    expect(d.error?.code).toBe('records.invalid');
  });

  it('windows count calls made before 1970 too', () => {
    const policy = compiled({ ...base, limits: [{ id: 'l0', window: { duration: '1m', maxCalls: 1 } }] });
    const state = new WindowState();
    const landing = Date.parse('1969-07-20T20:17:00Z');
    const first = decide(policy, call, state, landing);
    expect(first.effect).toBe('allow');
    state.apply(first.updates, landing);
    expect(decide(policy, call, state, landing + 1_000).effect).toBe('deny');
  });

  it('a freeze range in year 99 is not in effect in 1999', () => {
    const policy = compiled({ ...base, freezes: [{ id: 'f0', ranges: [{ start: '0099-01-01T00:00:00Z', end: '0099-12-31T00:00:00Z' }] }] });
    expect(decide(policy, call, new WindowState(), Date.parse('1999-06-01T00:00:00Z')).effect).toBe('allow');
    expect(decide(policy, call, new WindowState(), Date.parse('0099-06-01T00:00:00Z')).effect).toBe('deny');
  });
});

describe('the reference itself', () => {
  // Pins the reference to hand-worked answers, so agreement is not two copies of one mistake.
  const act = (args: Record<string, unknown>): Activation => ({ tool: 'crm.delete', resource: 'crm/execs', args, agent: { id: 'a1', environment: 'prod' } });
  it('evaluates CEL with errors absorbed by && and ||', () => {
    const missing: Cel = { k: 'cmp', op: '>', left: 'args.n', right: 1 };
    expect(evalCel(missing, act({}))).toBe(ERROR);
    expect(evalCel({ k: 'and', l: missing, r: { k: 'has', field: 'n' } }, act({}))).toBe(false);
    expect(evalCel({ k: 'or', l: missing, r: { k: 'not', e: { k: 'has', field: 'n' } } }, act({}))).toBe(true);
    expect(evalCel({ k: 'eq', op: '==', left: 'args.s', right: 'x' }, act({ s: 1 }))).toBe(false);
    expect(evalCel({ k: 'cmp', op: '>=', left: 'size(args.s)', right: 2 }, act({ s: 'hé' }))).toBe(true);
    expect(evalCel({ k: 'cmp', op: '>', left: 'args.n', right: 3 }, act({ n: '7' }))).toBe(ERROR);
  });
  it('matches globs and reads wall clocks', () => {
    expect(globMatch('db.?rop', 'db.drop')).toBe(true);
    expect(globMatch('c*e*', 'crm.delete')).toBe(true);
    expect(globMatch('?', '')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    // 2025-03-30 01:30 UTC is 03:30 Sunday in Paris (summer time began at 01:00 UTC).
    expect(wallClock('Europe/Paris', Date.parse('2025-03-30T01:30:00Z'))).toEqual({ day: 6, msOfDay: 3.5 * 3_600_000 });
    expect(wallClock('Asia/Kolkata', Date.parse('2025-07-14T18:30:00.250Z'))).toEqual({ day: 1, msOfDay: 250 });
  });
  it('counts windows by buckets', () => {
    const h: Counted[] = [
      { counter: 'c', windowMs: 1000, records: 2, at: 0 },
      { counter: 'c', windowMs: 1000, records: 3, at: 940 },
    ];
    // 20 buckets of 50 ms: at 1000 the window holds buckets 1..20, so the call at 0 has left.
    expect(windowSum(h, 'c', 1000, 999, 20)).toEqual({ calls: 2, records: 5 });
    expect(windowSum(h, 'c', 1000, 1000, 20)).toEqual({ calls: 1, records: 3 });
  });
});
