import { canonicalFingerprint } from '../match/fingerprint.js';
import type { Bundle, Candidates, CompiledDocument, Expr, FreezeC, LimitC, Matcher, SequenceC, StepC, AgentSelector } from '../compile/compiled.js';
import { checkDrift } from '../drift/check-drift.js';
import { cidrContains, parseAddress } from '../match/cidr.js';
import type {
  ApprovalNeed,
  CompiledPolicy,
  DecideOptions,
  Decision,
  DecisionRequest,
  DirectoryAgent,
  Effect,
  EvaluationFailure,
  MatchedRule,
  Mode,
  RiskTier,
  LeaseNeed,
  StateUpdate,
  WindowStateView,
} from '../types.js';
import { BudgetExceeded, spent, threadCpuClock, within } from './budget.js';

const NONE: readonly never[] = Object.freeze([]);
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_CREDENTIAL = Object.freeze({ fingerprint: '' });
const NO_SOURCE = Object.freeze({ ip: '', region: '' });
/** Records counted for a call whose `unboundedWhen` holds: large, but finite so windows can still subtract it. */
export const UNBOUNDED_RECORDS = 2 ** 50;
/** Distinct tool names whose candidate lists are memoised before the memo is reset. */
const MAX_MEMO_TOOLS = 4096;
const TIER_RANK: Readonly<Record<RiskTier, number>> = { read: 0, write: 1, destructive: 2 };
const NO_OPTIONS: DecideOptions = Object.freeze({});
const monotonic = (): number => performance.now();
/**
 * Expressions evaluated between two looks at the clock: a clock read costs about as much as a
 * simple condition, and each expression is bounded (AST limits; `matches()` watches the budget
 * itself), so the deadline is overrun by at most this many expressions.
 */
const EXPRESSIONS_PER_CLOCK_READ = 8;

/** The effective agent: the tenant directory is the authority when it knows the agent. */
interface AgentView {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly environment: string;
  readonly status: string;
}

type ElementRef = { id: string; kind: MatchedRule['kind']; severity: MatchedRule['severity']; mode: Mode };
/** What `Evaluation.value` returns for an expression that failed (the failure is recorded). */
const FAILED: unique symbol = Symbol('failed');

/** Per-decision scratch: lazily built CEL activation and the findings so far. */
class Evaluation {
  matched: MatchedRule[] | undefined;
  updates: StateUpdate[] | undefined;
  leases: LeaseNeed[] | undefined;
  error: EvaluationFailure | undefined;
  enforcedDeny = false;
  /** A shadow-mode element denied or asked for approval: the call is recorded as shadow if let through. */
  shadowDeny = false;
  allowed = false;
  /** Enforced elements that asked for approval, and the earliest of their expiries. */
  approvalIds: string[] | undefined;
  approvalMs = Number.POSITIVE_INFINITY;
  #activation: Record<string, unknown> | undefined;
  #expressions = 0;

  /** An element that fails is recorded as a would-deny rather than denying: the tenant fails open and the call is not destructive. */
  readonly failsOpen: boolean;

  constructor(
    readonly bundle: Bundle,
    readonly req: DecisionRequest,
    readonly agent: AgentView,
    readonly resource: string,
    readonly now: number,
    readonly tier: RiskTier,
    options: DecideOptions,
  ) {
    this.failsOpen = options.failMode === 'open' && tier !== 'destructive';
  }

  activation(): Record<string, unknown> {
    if (this.#activation === undefined) {
      const r = this.req;
      const src = r.source;
      this.#activation = {
        tool: r.tool,
        resource: this.resource,
        args: r.args === undefined ? {} : r.args,
        agent: this.agent,
        credential: r.credential ?? NO_CREDENTIAL,
        source: src === undefined ? NO_SOURCE : src.ip !== undefined && src.region !== undefined ? src : { ip: src.ip ?? '', region: src.region ?? '' },
        time: this.bundle.doc.usesTime ? new Date(this.now) : undefined,
        risk: this.tier,
      };
    }
    return this.#activation;
  }

  /** `approvalMs`: how long a request the entry asks for lives (an `approve` entry); default the document's. */
  push(entry: MatchedRule, elementMode: Mode, approvalMs = this.bundle.doc.approvalExpiresInMs): void {
    (this.matched ??= []).push(entry);
    if (entry.effect === 'deny') {
      if (elementMode === 'enforce') this.enforcedDeny = true;
      else this.shadowDeny = true;
    } else if (entry.effect === 'approve') {
      if (elementMode === 'enforce') {
        const ids = (this.approvalIds ??= []);
        if (!ids.includes(entry.ruleId)) ids.push(entry.ruleId);
        if (approvalMs < this.approvalMs) this.approvalMs = approvalMs;
      } else this.shadowDeny = true;
    } else if (entry.effect === 'allow' && elementMode === 'enforce' && entry.kind === 'rule') {
      this.allowed = true;
    }
  }

  update(u: StateUpdate): void {
    (this.updates ??= []).push(u);
  }

  needLease(n: LeaseNeed): void {
    (this.leases ??= []).push(n);
  }

  entryMode(m: Mode): Mode {
    return this.bundle.mode === 'shadow' ? 'shadow' : m;
  }

  /**
   * Evaluates an expression of `el` (`part` names which, after the element, in a failure),
   * unless the decision's evaluation budget is spent; a failure is recorded against the
   * element (`fail`).
   */
  value(expr: Expr, el: ElementRef, part?: string): unknown {
    if (this.#expressions++ % EXPRESSIONS_PER_CLOCK_READ === 0 && spent()) {
      this.fail(el, 'budget.exceeded', `${what(el, part)}: not evaluated, the evaluation budget (${this.bundle.doc.evaluationBudgetMs}ms) is spent`);
      return FAILED;
    }
    try {
      return expr.program(this.activation());
    } catch (e) {
      this.fail(el, budgetExceeded(e) ? 'budget.exceeded' : 'cel.eval', `${what(el, part)}: ${summary(e)}`);
      return FAILED;
    }
  }

  /** Evaluates a condition; undefined when it failed (recorded against the element). */
  test(expr: Expr, el: ElementRef): boolean | undefined {
    const v = this.value(expr, el);
    if (v === FAILED) return undefined;
    if (typeof v !== 'boolean') {
      this.fail(el, 'cel.result_type', `${el.kind} '${el.id}': condition returned ${typeof v}, not bool`);
      return undefined;
    }
    return v;
  }

  /**
   * Records an element whose evaluation failed. Failing closed, it denies as a match of the
   * element would (a would-deny when the element or the policy is in shadow mode); failing
   * open, it is a would-deny that denies nothing, and the other elements decide the call.
   */
  fail(el: ElementRef, code: string, message: string): void {
    this.error ??= { code, message, ruleId: el.id };
    if (this.failsOpen) {
      this.push({ ruleId: el.id, kind: el.kind, effect: 'deny', severity: el.severity, mode: 'shadow', reason: `evaluation failed, let through (fail open): ${message}` }, 'shadow');
    } else {
      this.push({ ruleId: el.id, kind: el.kind, effect: 'deny', severity: el.severity, mode: this.entryMode(el.mode), reason: `evaluation failed, denied (fail closed): ${message}` }, el.mode);
    }
  }

  /** An element whose check threw: failed as an evaluation error of that element alone. */
  crash(el: ElementRef, e: unknown): void {
    this.fail(el, budgetExceeded(e) ? 'budget.exceeded' : 'internal.error', `${el.kind} '${el.id}': ${summary(e)}`);
  }
}

/** What a reason adds when its element asks for approval instead of denying. */
const held = (effect: string): string => (effect === 'approve' ? '; a person must approve the call' : '');

/** Names an element (and which of its expressions) in a failure's message: `limit 'l1' records`. */
const what = (el: ElementRef, part: string | undefined): string => `${el.kind} '${el.id}'${part === undefined ? '' : ` ${part}`}`;

/** A BudgetExceeded, or an error that wraps one (`cause`), as a CEL function may throw it. */
function budgetExceeded(e: unknown): boolean {
  for (let x = e, depth = 0; x !== null && typeof x === 'object' && depth < 8; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof BudgetExceeded) return true;
  }
  return false;
}

class InvalidRequest extends Error {}

function summary(e: unknown): string {
  if (e !== null && typeof e === 'object' && 'summary' in e && typeof e.summary === 'string') return e.summary;
  return e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : describe(e);
}

/** A short description that cannot throw (String() does on null-prototype objects). */
function describe(v: unknown): string {
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'null';
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v;
}

/**
 * Decides one call. Pure and deterministic: reads `state` (never writes it) and takes the
 * time from `now` (epoch ms); `options.clock` only measures the evaluation budget. An element
 * whose evaluation fails (a CEL error, a non-boolean condition, invalid records, the budget
 * spent, an internal error) fails by `options.failMode` and the call's tier, alone: failing
 * open never lifts another element's denial, and a destructive call always fails closed.
 * Never throws: a malformed request is a deny with `error.code = 'request.invalid'`, a failure
 * outside any element `internal.error` (denied; in shadow mode allowed with `shadow: true`).
 */
export function decide(policy: CompiledPolicy, request: DecisionRequest, state: WindowStateView, now: number, options: DecideOptions = NO_OPTIONS): Decision {
  const bundle = policy.__compiled as Bundle;
  try {
    if (!bundle.doc.usesCel) return decideUnsafe(bundle, request, state, now, options);
    const cpuClock = options.clock === undefined ? threadCpuClock : options.cpuClock;
    return within(bundle.doc.evaluationBudgetMs, options.clock ?? monotonic, () => decideUnsafe(bundle, request, state, now, options), cpuClock);
  } catch (e) {
    const code = e instanceof InvalidRequest ? 'request.invalid' : 'internal.error';
    const error: EvaluationFailure = { code, message: `decision failed: ${summary(e)}`, ruleId: '' };
    const shadow = bundle.mode === 'shadow';
    const risk = request?.risk;
    const tier = effectiveTier(isTier(risk) ? risk : undefined, undefined);
    return { effect: shadow ? 'allow' : 'deny', shadow, error, matched: NONE, policyVersion: bundle.doc.version, policyHash: bundle.doc.hash, updates: NONE, tier };
  }
}

const isTier = (v: unknown): v is RiskTier => v === 'read' || v === 'write' || v === 'destructive';

/**
 * The higher of the caller's tier and the tenant's: the policy's, or `write` for a tool it does
 * not name. Only the tenant makes a tool a read; a caller's `read` lowers nothing.
 */
function effectiveTier(caller: RiskTier | undefined, policy: RiskTier | undefined): RiskTier {
  const tenant = policy ?? 'write';
  return caller !== undefined && TIER_RANK[caller] > TIER_RANK[tenant] ? caller : tenant;
}

function decideUnsafe(bundle: Bundle, req: DecisionRequest, state: WindowStateView, now: number, options: DecideOptions): Decision {
  const doc = bundle.doc;
  if (typeof req.tool !== 'string' || typeof req.tenantId !== 'string' || typeof req.agent?.id !== 'string' || !Number.isFinite(now)) {
    throw new InvalidRequest('request needs tenantId, agent.id and tool as strings, and now as a finite number');
  }
  if (req.risk !== undefined && !isTier(req.risk)) throw new InvalidRequest(`risk must be read, write or destructive, got ${describe(req.risk)}`);
  const c = candidates(doc, req.tool);
  const tier = effectiveTier(req.risk, c.tier);
  const dir: DirectoryAgent | undefined = bundle.agents.get(req.agent.id);
  const status = dir?.status === 'suspended' || dir?.status === 'retired' ? dir.status : req.agent.status === 'suspended' || req.agent.status === 'retired' ? req.agent.status : (dir?.status ?? req.agent.status ?? 'active');
  if (status !== 'active') {
    // The kill switch is an operator action, not a policy opinion: enforced even in shadow mode.
    const entry: MatchedRule = { ruleId: 'agent-status', kind: 'agent_status', effect: 'deny', severity: 'critical', mode: 'enforce', reason: `agent '${req.agent.id}' is ${status}: every call is denied (kill switch)` };
    return { effect: 'deny', shadow: false, matched: [entry], policyVersion: doc.version, policyHash: doc.hash, updates: NONE, tier };
  }
  const agent: AgentView = {
    id: req.agent.id,
    labels: dir?.labels ?? req.agent.labels ?? NO_LABELS,
    environment: dir?.environment ?? req.agent.environment ?? '',
    status,
  };
  const ev = new Evaluation(bundle, req, agent, typeof req.resource === 'string' ? req.resource : '', now, tier, options);

  if (bundle.hasCredentialGovernance) checkCredential(ev);
  if (bundle.hasDrift) checkDrift(ev, state);

  // Each element is checked on its own: one that throws fails alone (Evaluation.crash). Checks
  // that evaluate no expression (freeze windows, counters) run whatever the budget: they are
  // bounded, and skipping them would let a slow expression buy a way past a freeze or a limit.
  for (let i = 0; i < c.freezes.length; i++) {
    const f = c.freezes[i]!;
    try {
      checkFreeze(ev, f);
    } catch (e) {
      ev.crash(f, e);
    }
  }
  for (let i = 0; i < c.rules.length; i++) {
    const r = c.rules[i]!;
    try {
      if (!matches(r.match, ev)) continue;
      // A failed condition never grants: an allow rule that cannot be evaluated does not apply.
      if (r.when !== undefined && ev.test(r.when, r) !== true) continue;
      ev.push(bundle.ruleEntries[r.index]!, r.mode, r.approvalMs);
    } catch (e) {
      ev.crash(r, e);
    }
  }
  for (let i = 0; i < c.limits.length; i++) {
    const l = c.limits[i]!;
    try {
      checkLimit(ev, l, state);
    } catch (e) {
      ev.crash(l, e);
    }
  }
  for (let i = 0; i < c.seqThen.length; i++) {
    const s = c.seqThen[i]!;
    try {
      checkSequenceThen(ev, s, state);
    } catch (e) {
      ev.crash(s, e);
    }
  }
  for (let i = 0; i < c.seqAfter.length; i++) {
    const s = c.seqAfter[i]!;
    try {
      recordSequenceAfter(ev, s);
    } catch (e) {
      ev.crash(s, e);
    }
  }

  // Precedence (docs/approvals.md): an enforced deny, then an enforced approve, then any allow.
  let enforced: Effect;
  if (ev.enforcedDeny) enforced = 'deny';
  else if (ev.approvalIds !== undefined) enforced = 'approve';
  else if (ev.allowed) enforced = 'allow';
  else {
    enforced = doc.defaultEffect;
    (ev.matched ??= []).push(bundle.defaultEntry);
  }
  let effect = enforced;
  let shadow = false;
  if (enforced !== 'allow' && bundle.mode === 'shadow') {
    effect = 'allow';
    shadow = true;
  } else if (enforced === 'allow' && ev.shadowDeny) {
    shadow = true;
  }
  const d: Decision = {
    effect,
    shadow,
    matched: ev.matched ?? NONE,
    policyVersion: doc.version,
    policyHash: doc.hash,
    // Attempts count, allowed or not: an agent that tried 1,206 deletes has passed "50 in 10
    // minutes" whether or not a freeze stopped each one, and inserts right after attempted
    // deletes are the fabrication signal. (A kill-switch denial or an unevaluable request,
    // above, counts toward nothing.)
    updates: ev.updates ?? NONE,
    tier,
  };
  if (effect === 'approve') (d as { approval?: ApprovalNeed }).approval = { ruleIds: ev.approvalIds!, expiresInMs: ev.approvalMs };
  if (ev.error !== undefined) (d as { error?: EvaluationFailure }).error = ev.error;
  if (ev.leases !== undefined) (d as { leases?: readonly LeaseNeed[] }).leases = ev.leases;
  return d;
}

/** Candidate elements for a tool name: exact and glob tool matches, memoised per name. */
function candidates(doc: CompiledDocument, tool: string): Candidates {
  let c = doc.byTool.get(tool);
  if (c !== undefined) return c;
  const toolOk = (m: Matcher): boolean => m.tools === undefined || m.tools.test(tool);
  const stepOk = (s: StepC): boolean => s.tools === undefined || s.tools.test(tool);
  c = {
    rules: doc.rules.filter((r) => toolOk(r.match)),
    limits: doc.limits.filter((l) => toolOk(l.match)),
    freezes: doc.freezes.filter((f) => toolOk(f.match)),
    seqThen: doc.sequences.filter((s) => toolOk(s.match) && stepOk(s.then)),
    seqAfter: doc.sequences.filter((s) => toolOk(s.match) && stepOk(s.after)),
    tier: policyTier(doc, tool),
  };
  if (doc.byTool.size >= MAX_MEMO_TOOLS) doc.byTool.clear();
  doc.byTool.set(tool, c);
  return c;
}

/** The highest tier the policy's `tiers` give the tool; undefined: none names it. */
function policyTier(doc: CompiledDocument, tool: string): RiskTier | undefined {
  let tier: RiskTier | undefined;
  for (let i = 0; i < doc.tiers.length; i++) {
    const t = doc.tiers[i]!;
    if ((tier === undefined || TIER_RANK[t.tier] > TIER_RANK[tier]) && t.tools.test(tool)) tier = t.tier;
  }
  return tier;
}

function agentMatches(sel: AgentSelector, agent: AgentView): boolean {
  if (sel.ids !== undefined && !sel.ids.has(agent.id)) return false;
  if (sel.environments !== undefined && !sel.environments.has(agent.environment)) return false;
  if (sel.labels !== undefined) {
    for (let i = 0; i < sel.labels.length; i++) {
      const [k, v] = sel.labels[i]!;
      if (agent.labels[k] !== v) return false;
    }
  }
  return true;
}

/** Agent and resource parts of a match (the tool part is settled by `candidates`). */
function matches(m: Matcher, ev: Evaluation): boolean {
  if (m.agents !== undefined && !agentMatches(m.agents, ev.agent)) return false;
  if (m.resources !== undefined && !m.resources.test(ev.resource)) return false;
  return true;
}

function checkFreeze(ev: Evaluation, f: FreezeC): void {
  if (!matches(f.match, ev)) return;
  const now = ev.now;
  let active = false;
  let what = '';
  for (let i = 0; i < f.ranges.length; i++) {
    const [s, e] = f.ranges[i]!;
    if (now >= s && now < e) {
      active = true;
      what = `from ${new Date(s).toISOString()} to ${new Date(e).toISOString()}`;
      break;
    }
  }
  if (!active && f.weekly.length > 0) {
    const t = f.clock.msOfWeek(now);
    for (let i = 0; i < f.weekly.length; i++) {
      const [s, e] = f.weekly[i]!;
      if (t >= s && t < e) {
        active = true;
        what = `weekly window (${f.clock.zone})`;
        break;
      }
    }
  }
  if (!active) return;
  for (let i = 0; i < f.exceptions.length; i++) {
    const x = f.exceptions[i]!;
    if (x.agents !== undefined && !agentMatches(x.agents, ev.agent)) continue;
    if (x.tools !== undefined && !x.tools.test(ev.req.tool)) continue;
    if (x.resources !== undefined && !x.resources.test(ev.resource)) continue;
    const excepted = x.effect === 'approve' ? `excepted by '${x.name}' once a person approves the call` : `excepted by '${x.name}'`;
    ev.push({ ruleId: f.id, kind: 'freeze', effect: x.effect, severity: f.severity, mode: ev.entryMode(f.mode), reason: `freeze '${f.id}' in effect ${what}; ${excepted}` }, f.mode, x.approvalMs);
    return;
  }
  const why = f.reason === undefined ? '' : `: ${f.reason}`;
  ev.push({ ruleId: f.id, kind: 'freeze', effect: f.hold, severity: f.severity, mode: ev.entryMode(f.mode), reason: `freeze '${f.id}' in effect ${what}${why}${held(f.hold)}` }, f.mode, f.approvalMs);
}

function scopeKey(l: LimitC, ev: Evaluation): string | undefined {
  const r = ev.req;
  const t = r.tenantId;
  switch (l.scope) {
    case 'tenant':
      return `${l.keyPrefix}${t}`;
    case 'agent':
      return `${l.keyPrefix}${t}\u0000${ev.agent.id}`;
    case 'agent_tool':
      return `${l.keyPrefix}${t}\u0000${ev.agent.id}\u0000${r.tool}`;
    case 'agent_resource':
      return `${l.keyPrefix}${t}\u0000${ev.agent.id}\u0000${ev.resource}`;
    case 'tool':
      return `${l.keyPrefix}${t}\u0000${r.tool}`;
    case 'resource':
      return `${l.keyPrefix}${t}\u0000${ev.resource}`;
    case 'credential': {
      const fp = r.credential?.fingerprint;
      return typeof fp === 'string' && fp !== '' ? `${l.keyPrefix}${t}\u0000${canonicalFingerprint(fp)}` : undefined;
    }
  }
}

function checkLimit(ev: Evaluation, l: LimitC, state: WindowStateView): void {
  if (!matches(l.match, ev)) return;
  if (l.when !== undefined && ev.test(l.when, l) !== true) return;
  let records = 1;
  let unbounded = false;
  if (l.unboundedWhen !== undefined) {
    const u = ev.test(l.unboundedWhen, l);
    if (u === undefined) return;
    unbounded = u;
  }
  if (unbounded) records = UNBOUNDED_RECORDS;
  else if (l.records !== undefined) {
    const v = ev.value(l.records, l, 'records');
    if (v === FAILED) return;
    // Negative before rounding: ceil(-0.5) is -0, which would pass a `< 0` test.
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !(v < 0) ? Math.ceil(v) : Number.NaN;
    if (!Number.isFinite(n) || n < 0) {
      ev.fail(l, 'records.invalid', `limit '${l.id}' records must be a non-negative number, got ${describe(v)}`);
      return;
    }
    records = Math.min(n, UNBOUNDED_RECORDS);
  }
  const touched = unbounded ? 'an unbounded number of records' : `${records} record${records === 1 ? '' : 's'}`;
  let reason: string | undefined;
  if (l.maxPerCall !== undefined && records > l.maxPerCall) {
    reason = `one call touches ${touched}; at most ${l.maxPerCall} per call`;
  }
  const key = l.windowMs === undefined ? undefined : scopeKey(l, ev);
  if (key !== undefined && l.windowMs !== undefined && l.strict && reason === undefined && state.lease !== undefined) {
    reason = checkLease(ev, l, key, l.windowMs, records, unbounded, state.lease(key, l.windowMs, ev.now));
  } else if (key !== undefined && l.windowMs !== undefined) {
    const w = state.read(key, l.windowMs, ev.now);
    if (reason === undefined && l.maxCalls !== undefined && w.calls + 1 > l.maxCalls) {
      reason = `call ${w.calls + 1} within ${l.windowText} (${scopeText(l)}); at most ${l.maxCalls}`;
    }
    if (reason === undefined && l.maxRecords !== undefined && w.records + records > l.maxRecords) {
      reason = `${unbounded ? 'an unbounded number of' : w.records + records} records within ${l.windowText} (${scopeText(l)}); at most ${l.maxRecords}`;
    }
    ev.update({ key, windowMs: l.windowMs, calls: 1, records });
  }
  if (reason !== undefined) {
    const why = l.reason === undefined ? '' : ` — ${l.reason}`;
    ev.push({ ruleId: l.id, kind: 'limit', effect: l.hold, severity: l.severity, mode: ev.entryMode(l.mode), reason: `limit '${l.id}': ${reason}${why}${held(l.hold)}` }, l.mode, l.approvalMs);
  }
}

/**
 * A strict limit, on the budget the decider holds for the key: the call spends one call and its
 * records when both are there; else the limit denies it and says what it needed (a decider that
 * can lease more decides again). Budget is spent only by calls the limit lets through.
 */
function checkLease(ev: Evaluation, l: LimitC, key: string, windowMs: number, records: number, unbounded: boolean, held: { calls: number; records: number } | undefined): string | undefined {
  const callsShort = l.maxCalls !== undefined && (held === undefined || held.calls < 1);
  const recordsShort = l.maxRecords !== undefined && (held === undefined || held.records < records);
  if (!callsShort && !recordsShort) {
    ev.update({ key, windowMs, calls: 1, records, strict: true });
    return undefined;
  }
  ev.needLease({ limitId: l.id, key, windowMs, calls: 1, records, maxCalls: l.maxCalls, maxRecords: l.maxRecords });
  const wanted = unbounded ? 'an unbounded number of records' : callsShort ? 'a call' : `${records} record${records === 1 ? '' : 's'}`;
  const max = [l.maxCalls === undefined ? '' : `${l.maxCalls} calls`, l.maxRecords === undefined ? '' : `${l.maxRecords} records`].filter((s) => s !== '').join(' and ');
  return `strict: this decider holds no budget for ${wanted} within ${l.windowText} (${scopeText(l)}); the fleet's budget is at most ${max}`;
}

function scopeText(l: LimitC): string {
  return l.scope === 'agent_tool' ? 'per agent and tool' : l.scope === 'agent_resource' ? 'per agent and resource' : `per ${l.scope}`;
}

function stepMatches(s: StepC, ev: Evaluation, el: SequenceC): boolean {
  if (s.resources !== undefined && !s.resources.test(ev.resource)) return false;
  if (s.when !== undefined && ev.test(s.when, el) !== true) return false;
  return true;
}

function sequenceKey(s: SequenceC, ev: Evaluation): string {
  const base = s.scope === 'tenant' ? `${s.keyPrefix}${ev.req.tenantId}` : `${s.keyPrefix}${ev.req.tenantId}\u0000${ev.agent.id}`;
  return s.sameResource ? `${base}\u0000${ev.resource}` : base;
}

function checkSequenceThen(ev: Evaluation, s: SequenceC, state: WindowStateView): void {
  if (!matches(s.match, ev) || !stepMatches(s.then, ev, s)) return;
  const w = state.read(sequenceKey(s, ev), s.withinMs, ev.now);
  if (w.calls < s.minCalls) return;
  const where = s.sameResource ? ` on '${ev.resource}'` : '';
  const why = s.reason === undefined ? '' : ` — ${s.reason}`;
  ev.push(
    {
      ruleId: s.id,
      kind: 'sequence',
      effect: s.hold,
      severity: s.severity,
      mode: ev.entryMode(s.mode),
      reason: `sequence '${s.id}': '${ev.req.tool}'${where} within ${s.withinText} after ${w.calls} earlier matching call${w.calls === 1 ? '' : 's'}${s.scope === 'tenant' ? " by the tenant's agents" : ''}${why}${held(s.hold)}`,
    },
    s.mode,
    s.approvalMs,
  );
}

function recordSequenceAfter(ev: Evaluation, s: SequenceC): void {
  if (!matches(s.match, ev) || !stepMatches(s.after, ev, s)) return;
  ev.update({ key: sequenceKey(s, ev), windowMs: s.withinMs, calls: 1, records: 0 });
}

function checkCredential(ev: Evaluation): void {
  const b = ev.bundle;
  const cp = b.doc.credentialPolicy;
  const given = ev.req.credential?.fingerprint;
  const fp = typeof given === 'string' ? canonicalFingerprint(given) : given;
  const el = { id: 'credential', kind: 'credential' as const, severity: cp.severity, mode: cp.mode };
  const push = (effect: 'deny' | 'flag' | 'approve', ruleId: string, reason: string, approvalMs = cp.approvalMs): void => {
    ev.push({ ruleId, kind: 'credential', effect, severity: el.severity, mode: ev.entryMode(el.mode), reason: `${reason}${held(effect)}` }, el.mode, approvalMs);
  };
  if (typeof fp !== 'string' || fp === '') {
    if (cp.requireCredential) push(cp.onViolation, 'credential:none', 'the call carries no credential; this policy requires one');
    return;
  }
  if (b.revoked.size > 0) {
    // Whatever its binding says: a revoked credential fails closed (an enforced deny; the
    // entry's mode is the tenant's, so shadow mode makes it a would-deny).
    const revoked = b.revoked.get(fp);
    if (revoked !== undefined && ev.now >= revoked.at) {
      ev.push(revoked.entry, 'enforce');
      return;
    }
  }
  const binding = b.bindings.get(fp);
  const ruleId = `credential:${fp}`;
  if (binding === undefined) {
    if (cp.unbound !== 'allow') push(cp.unbound, ruleId, `credential ${fp} is not bound to any agent`);
    return;
  }
  const problems: string[] = [];
  if (binding.agents !== undefined && !binding.agents.has(ev.agent.id)) problems.push(`agent '${ev.agent.id}' may not use it`);
  if (binding.resources !== undefined && !binding.resources.test(ev.resource)) problems.push(ev.resource === '' ? 'the call names no resource' : `resource '${ev.resource}' is outside its grant`);
  if (binding.cidrs !== undefined) {
    const ip = ev.req.source?.ip;
    const addr = typeof ip === 'string' ? parseAddress(ip) : undefined;
    let inside = false;
    if (addr !== undefined) {
      for (let i = 0; i < binding.cidrs.length; i++) {
        if (cidrContains(binding.cidrs[i]!, addr)) {
          inside = true;
          break;
        }
      }
    }
    if (!inside) problems.push(addr === undefined ? `source IP ${typeof ip === 'string' && ip !== '' ? `'${ip}' is not an IP address` : 'is unknown'}` : `source IP ${ip} is outside its networks`);
  }
  if (binding.regions !== undefined) {
    const region = ev.req.source?.region;
    if (typeof region !== 'string' || !binding.regions.has(region)) problems.push(typeof region === 'string' && region !== '' ? `region '${region}' is not allowed` : 'source region is unknown');
  }
  if (problems.length > 0) push(binding.onViolation, ruleId, `credential ${fp} used outside its binding: ${problems.join('; ')}`, binding.approvalMs);
}
