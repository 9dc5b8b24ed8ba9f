import { canonicalFingerprint } from '../match/fingerprint.js';
import { parseCidr, type Cidr } from '../match/cidr.js';
import { internGlobSet, type GlobSet } from '../match/glob.js';
import { DAY_INDEX, DAY_MS, MAX_WINDOW_MS, ZoneClock, isValidZone, parseDuration, parseInstant } from '../time/zone.js';
import { compileBaseline, compileDrift } from '../drift/compile-drift.js';
import type {
  CompileOptions,
  CompileResult,
  CompiledPolicy,
  CredentialBinding,
  DirectoryAgent,
  MatchedRule,
  Mode,
  PolicyError,
  PolicyLimits,
  RevocationReason,
  RevokedCredential,
  TenantContext,
} from '../types.js';
import { DEFAULT_LIMITS, compileCel, type ExpectedType } from './cel.js';
import type {
  AgentSelector,
  BaselineC,
  BindingC,
  Bundle,
  CompiledDocument,
  CredentialPolicyC,
  ExceptionC,
  Expr,
  FreezeC,
  LimitC,
  Matcher,
  RevokedC,
  RuleC,
  SequenceC,
  StepC,
  TierC,
} from './compiled.js';
import { DEFAULT_EVALUATION_BUDGET_MS } from '../decide/budget.js';
import { validateDocument, type AgentSelectorDoc, type ApprovalDoc, type BindingDoc, type MatchDoc, type PolicyDoc } from './document.js';
import { policyHash } from './canonical-json.js';
import { makeError, parseSource, pointer, type Path, type SourceDoc } from './source.js';

const RESERVED_IDS = new Set(['default', 'agent-status']);
/** How long an approval request lives unless the policy says (`defaults.approvalExpiresIn`), and at most (docs/approvals.md). */
export const DEFAULT_APPROVAL_EXPIRES_IN_MS = 3_600_000;
export const MAX_APPROVAL_EXPIRES_IN_MS = 7 * DAY_MS;
/** The longest evaluation budget a policy may set: a decision is on every agent call's path. */
const MAX_EVALUATION_BUDGET_MS = 1_000;

/** One Expr per interned CEL program (compileCel returns the same program for the same source). */
const exprs = new WeakMap<object, Expr>();

/**
 * Compiles a v1 policy document (YAML/JSON text or an already-parsed object). On success
 * the policy is ready for `decide`; otherwise every problem found is returned, each with
 * a stable code, a JSON pointer and a line/column. Never throws on bad input.
 */
export function compilePolicy(source: string | object, opts: CompileOptions = {}): CompileResult {
  try {
    return compileUnsafe(source, opts);
  } catch (e) {
    return { ok: false, errors: [{ code: 'internal.error', message: `compiler failure: ${(e as Error)?.message ?? String(e)}`, path: '', line: 1, column: 1 }] };
  }
}

function compileUnsafe(source: string | object, opts: CompileOptions): CompileResult {
  if (typeof source !== 'string' && (typeof source !== 'object' || source === null)) {
    return { ok: false, errors: [{ code: 'input.invalid', message: 'policy source must be a string or an object', path: '', line: 1, column: 1 }] };
  }
  const parsed = parseSource(source, opts.format ?? 'yaml');
  if (!parsed.ok) return parsed;
  const doc = parsed.doc;
  const schemaErrors = validateDocument(doc);
  if (schemaErrors.length > 0) return { ok: false, errors: schemaErrors };
  const limits: Required<PolicyLimits> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(opts.limits ?? {})) if (typeof v === 'number' && v > 0) (limits as Record<string, number>)[k] = v;
  const c = new Compiler(doc, limits);
  const compiled = c.compile(doc.value as PolicyDoc);
  if (c.errors.length > 0 || compiled === undefined) return { ok: false, errors: c.errors };
  return bind(compiled, opts.tenant ?? {});
}

/**
 * Binds an already compiled policy to a tenant's context (mode, agent directory,
 * credential bindings) without recompiling any expression — what the enforcer does on
 * every config push that only changes agents or credentials (e.g. the kill switch).
 */
export function bindTenant(policy: CompiledPolicy, tenant: TenantContext): CompileResult {
  return bind((policy.__compiled as Bundle).doc, tenant);
}

class Compiler {
  readonly errors: PolicyError[] = [];
  readonly #ids = new Map<string, Path>();
  #usesTime = false;
  #usesCel = false;
  /** `defaults.approvalExpiresIn`, ms: what an element without `approval` asks for. */
  #approvalMs = DEFAULT_APPROVAL_EXPIRES_IN_MS;

  constructor(
    private readonly doc: SourceDoc,
    private readonly limits: Required<PolicyLimits>,
  ) {}

  error(code: string, message: string, path: Path, key = false): void {
    this.errors.push(makeError(this.doc, code, message, path, key));
  }

  compile(d: PolicyDoc): CompiledDocument | undefined {
    const total = (d.rules?.length ?? 0) + (d.limits?.length ?? 0) + (d.freezes?.length ?? 0) + (d.sequences?.length ?? 0);
    if (total > this.limits.maxElements) {
      this.error('policy.too_large', `policy has ${total} rules, limits, freezes and sequences; the limit is ${this.limits.maxElements}`, []);
      return undefined;
    }
    if (d.defaults.approvalExpiresIn !== undefined) this.#approvalMs = this.approvalExpiry(d.defaults.approvalExpiresIn, ['defaults', 'approvalExpiresIn']);
    const rules = (d.rules ?? []).map((r, i): RuleC => {
      const path = ['rules', i];
      this.claimId(r.id, path);
      return {
        kind: 'rule',
        index: i,
        id: r.id,
        severity: r.severity ?? 'medium',
        mode: r.mode ?? 'enforce',
        reason: r.reason ?? r.description,
        match: this.matcher(r.match, [...path, 'match']),
        effect: r.effect,
        when: this.expr(r.when, [...path, 'when'], 'bool'),
        approvalMs: this.approval(r.approval, path),
      };
    });
    const limits = (d.limits ?? []).map((l, i): LimitC => {
      const path = ['limits', i];
      this.claimId(l.id, path);
      if (l.maxPerCall === undefined && l.window === undefined) this.error('schema.missing_field', `limit '${l.id}' needs maxPerCall, window, or both`, path);
      if (l.window !== undefined && l.window.maxCalls === undefined && l.window.maxRecords === undefined) {
        this.error('schema.missing_field', `window of limit '${l.id}' needs maxCalls, maxRecords, or both`, [...path, 'window']);
      }
      if (l.consistency === 'strict' && l.window === undefined) {
        this.error('schema.missing_field', `limit '${l.id}' is strict: only a window's budget can be leased, so it needs a window`, [...path, 'consistency']);
      }
      const windowMs = l.window === undefined ? undefined : this.duration(l.window.duration, [...path, 'window', 'duration']);
      const scope = l.scope ?? 'agent';
      return {
        kind: 'limit',
        id: l.id,
        severity: l.severity ?? 'high',
        mode: l.mode ?? 'enforce',
        reason: l.reason ?? l.description,
        match: this.matcher(l.match, [...path, 'match']),
        when: this.expr(l.when, [...path, 'when'], 'bool'),
        records: this.expr(l.records, [...path, 'records'], 'number'),
        unboundedWhen: this.expr(l.unboundedWhen, [...path, 'unboundedWhen'], 'bool'),
        maxPerCall: l.maxPerCall,
        windowMs,
        windowText: l.window?.duration,
        maxCalls: l.window?.maxCalls,
        maxRecords: l.window?.maxRecords,
        scope,
        strict: l.consistency === 'strict',
        keyPrefix: `L\u0000${l.id}\u0000`,
        hold: l.effect ?? 'deny',
        approvalMs: this.approval(l.approval, path),
      };
    });
    const freezes = (d.freezes ?? []).map((f, i) => this.freeze(f, ['freezes', i]));
    const sequences = (d.sequences ?? []).map((s, i): SequenceC => {
      const path = ['sequences', i];
      this.claimId(s.id, path);
      return {
        kind: 'sequence',
        id: s.id,
        severity: s.severity ?? 'critical',
        mode: s.mode ?? 'enforce',
        reason: s.reason ?? s.description,
        match: this.matcher(s.match, [...path, 'match']),
        after: this.step(s.after, [...path, 'after']),
        then: this.step(s.then, [...path, 'then']),
        withinMs: this.duration(s.within, [...path, 'within']),
        withinText: s.within,
        sameResource: s.sameResource ?? true,
        scope: s.scope ?? 'agent',
        minCalls: s.minCalls ?? 1,
        keyPrefix: `S\u0000${s.id}\u0000`,
        hold: s.effect ?? 'deny',
        approvalMs: this.approval(s.approval, path),
      };
    });
    const cred = d.credentials;
    const credentialPolicy: CredentialPolicyC = {
      unbound: cred?.unbound ?? 'allow',
      requireCredential: cred?.requireCredential ?? false,
      severity: cred?.severity ?? 'high',
      mode: cred?.mode ?? 'enforce',
      onViolation: cred?.onViolation ?? 'deny',
      approvalMs: this.approval(cred?.approval, ['credentials']),
    };
    const documentBindings = (cred?.bindings ?? []).map((b, i) => this.binding(b, ['credentials', 'bindings', i], credentialPolicy));
    const seen = new Map<string, number>();
    documentBindings.forEach((b, i) => {
      const first = seen.get(b.fingerprint);
      if (first !== undefined) this.error('rule.duplicate_id', `fingerprint ${b.fingerprint} is bound twice (first at /credentials/bindings/${first})`, ['credentials', 'bindings', i, 'fingerprint']);
      else seen.set(b.fingerprint, i);
    });
    const drift =
      d.drift === undefined
        ? undefined
        : compileDrift(d.drift, {
            duration: (text) => this.duration(text, ['drift', 'checks', 'hours', 'window']),
            approval: (a, fallback, path) => this.approval(a, ['drift', ...path], fallback),
            approvalMs: this.#approvalMs,
          });
    const tiers = (d.tiers ?? []).map((t): TierC => ({ tools: internGlobSet(t.tools), tier: t.tier }));
    const evaluationBudgetMs = d.evaluation?.budget === undefined ? DEFAULT_EVALUATION_BUDGET_MS : this.budget(d.evaluation.budget, ['evaluation', 'budget']);
    if (this.errors.length > 0) return undefined;
    return {
      name: d.metadata.name,
      version: d.metadata.version,
      hash: policyHash(this.doc.value),
      documentMode: d.defaults.mode ?? 'enforce',
      defaultEffect: d.defaults.effect,
      approvalExpiresInMs: this.#approvalMs,
      rules,
      limits,
      freezes,
      sequences,
      credentialPolicy,
      documentBindings,
      drift,
      tiers,
      evaluationBudgetMs,
      decisionLogFull: { write: d.decisionLogFull?.write ?? 'closed', read: d.decisionLogFull?.read ?? 'open' },
      usesTime: this.#usesTime,
      usesCel: this.#usesCel,
      byTool: new Map(),
    };
  }

  claimId(id: string, path: Path): void {
    const idPath = [...path, 'id'];
    if (RESERVED_IDS.has(id) || id.startsWith('credential:') || id.startsWith('drift:')) {
      this.error('rule.reserved_id', `id '${id}' is reserved for built-in decisions`, idPath);
      return;
    }
    const first = this.#ids.get(id);
    if (first !== undefined) this.error('rule.duplicate_id', `id '${id}' is already used at /${first.join('/')}`, idPath);
    else this.#ids.set(id, path);
  }

  expr(source: string | undefined, path: Path, expected: ExpectedType): Expr | undefined {
    if (source === undefined) return undefined;
    const r = compileCel(source, expected, this.limits);
    if (!r.ok) {
      const start = this.doc.exactStringStart(path);
      const pos = start === undefined ? this.doc.locate(path) : this.doc.position(start + r.offset);
      this.errors.push({ code: r.code, message: r.message, path: pointer(path), line: pos.line, column: pos.column });
      return undefined;
    }
    this.#usesCel = true;
    if (r.usesTime) this.#usesTime = true;
    // compileCel interns programs by source; share the Expr around it too.
    let e = exprs.get(r.program);
    if (e === undefined) exprs.set(r.program, (e = { program: r.program, source }));
    return e;
  }

  duration(text: string, path: Path): number {
    const ms = parseDuration(text);
    if (ms === undefined || ms > MAX_WINDOW_MS) {
      this.error('schema.range', `duration '${text}' must be between 1ms and 31d`, path);
      return 1;
    }
    return ms;
  }

  /** An element's `approval.expiresIn` (at `path`/approval), else `fallback` (the document's default). */
  approval(a: ApprovalDoc | undefined, path: Path, fallback = this.#approvalMs): number {
    return a === undefined ? fallback : this.approvalExpiry(a.expiresIn, [...path, 'approval', 'expiresIn']);
  }

  approvalExpiry(text: string, path: Path): number {
    const ms = parseDuration(text);
    if (ms === undefined || ms > MAX_APPROVAL_EXPIRES_IN_MS) {
      this.error('schema.range', `approval expiry '${text}' must be between 1ms and 7d`, path);
      return DEFAULT_APPROVAL_EXPIRES_IN_MS;
    }
    return ms;
  }

  budget(text: string, path: Path): number {
    const ms = parseDuration(text);
    if (ms === undefined || ms > MAX_EVALUATION_BUDGET_MS) {
      this.error('schema.range', `evaluation budget '${text}' must be between 1ms and 1s`, path);
      return DEFAULT_EVALUATION_BUDGET_MS;
    }
    return ms;
  }

  agents(sel: AgentSelectorDoc | undefined): AgentSelector | undefined {
    if (sel === undefined) return undefined;
    const labels = sel.labels === undefined ? undefined : Object.entries(sel.labels).map(([k, v]) => [k, v] as const);
    if (sel.ids === undefined && (labels === undefined || labels.length === 0) && sel.environments === undefined) return undefined;
    return {
      ids: sel.ids === undefined ? undefined : new Set(sel.ids),
      labels: labels === undefined || labels.length === 0 ? undefined : labels,
      environments: sel.environments === undefined ? undefined : new Set(sel.environments),
    };
  }

  globs(globs: string[] | undefined): GlobSet | undefined {
    return globs === undefined ? undefined : internGlobSet(globs);
  }

  matcher(m: MatchDoc | undefined, _path: Path): Matcher {
    return { agents: this.agents(m?.agents), tools: this.globs(m?.tools), resources: this.globs(m?.resources) };
  }

  step(s: { tools?: string[]; resources?: string[]; when?: string }, path: Path): StepC {
    return { tools: this.globs(s.tools), resources: this.globs(s.resources), when: this.expr(s.when, [...path, 'when'], 'bool') };
  }

  freeze(f: NonNullable<PolicyDoc['freezes']>[number], path: Path): FreezeC {
    this.claimId(f.id, path);
    const zone = f.timeZone ?? 'UTC';
    const zoneOk = isValidZone(zone);
    if (!zoneOk) this.error('time.invalid_zone', `'${zone}' is not an IANA time zone known to this runtime`, [...path, 'timeZone']);
    if ((f.ranges ?? []).length === 0 && (f.weekly ?? []).length === 0) this.error('schema.missing_field', `freeze '${f.id}' needs ranges, weekly windows, or both`, path);
    const ranges: [number, number][] = [];
    if (zoneOk) {
      (f.ranges ?? []).forEach((r, i) => {
        const p = [...path, 'ranges', i];
        const start = parseInstant(r.start, zone);
        const end = parseInstant(r.end, zone);
        if (start === undefined) this.error('time.invalid', `'${r.start}' is not an ISO 8601 date-time`, [...p, 'start']);
        if (end === undefined) this.error('time.invalid', `'${r.end}' is not an ISO 8601 date-time`, [...p, 'end']);
        if (start !== undefined && end !== undefined) {
          if (end <= start) this.error('time.invalid_range', `range ends (${r.end}) before it starts (${r.start})`, p);
          else ranges.push([start, end]);
        }
      });
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const weekly: [number, number][] = [];
    (f.weekly ?? []).forEach((w, i) => {
      const toMs = (hhmm: string): number => (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))) * 60_000;
      const start = toMs(w.start);
      const end = toMs(w.end);
      if (start === end) this.error('time.invalid_range', `weekly window starts and ends at ${w.start}`, [...path, 'weekly', i]);
      for (const day of new Set(w.days)) {
        const base = DAY_INDEX[day]! * DAY_MS;
        if (end > start) weekly.push([base + start, base + end]);
        else {
          // Crosses midnight: runs into the next day (Sunday wraps to Monday).
          weekly.push([base + start, base + DAY_MS]);
          const next = ((DAY_INDEX[day]! + 1) % 7) * DAY_MS;
          weekly.push([next, next + end]);
        }
      }
    });
    const approvalMs = this.approval(f.approval, path);
    const exceptions: ExceptionC[] = (f.exceptions ?? []).map((e, i) => ({
      name: e.name,
      agents: this.agents(e.agents),
      tools: this.globs(e.tools),
      resources: this.globs(e.resources),
      effect: e.effect ?? 'flag',
      approvalMs: this.approval(e.approval, [...path, 'exceptions', i], approvalMs),
    }));
    return {
      kind: 'freeze',
      id: f.id,
      severity: f.severity ?? 'high',
      mode: f.mode ?? 'enforce',
      reason: f.reason ?? f.description,
      match: this.matcher(f.match, [...path, 'match']),
      clock: new ZoneClock(zoneOk ? zone : 'UTC'),
      ranges,
      weekly,
      exceptions,
      hold: f.effect ?? 'deny',
      approvalMs,
    };
  }

  binding(b: BindingDoc, path: Path, policy: CredentialPolicyC): BindingC {
    const r = compileBinding(b, policy, this.approval(b.approval, path, policy.approvalMs));
    for (const bad of r.badCidrs) this.error('cidr.invalid', `'${b.cidrs?.[bad]}' is not an IPv4 or IPv6 CIDR`, [...path, 'cidrs', bad]);
    return r.binding;
  }
}

/** A tenant's binding (which has no `approval`) asks for the credentials section's expiry. */
function compileBinding(b: BindingDoc | CredentialBinding, policy: CredentialPolicyC, approvalMs = policy.approvalMs): { binding: BindingC; badCidrs: number[] } {
  const badCidrs: number[] = [];
  let cidrs: Cidr[] | undefined;
  if (b.cidrs !== undefined) {
    cidrs = [];
    b.cidrs.forEach((text, i) => {
      const c = parseCidr(text);
      if (c === undefined) badCidrs.push(i);
      else cidrs!.push(c);
    });
  }
  return {
    badCidrs,
    binding: {
      fingerprint: canonicalFingerprint(b.fingerprint),
      agents: b.agents === undefined ? undefined : new Set(b.agents),
      resources: b.resources === undefined ? undefined : internGlobSet(b.resources),
      cidrs,
      regions: b.regions === undefined ? undefined : new Set(b.regions),
      onViolation: b.onViolation ?? policy.onViolation,
      approvalMs,
    },
  };
}

const REVOCATION_REASONS: ReadonlySet<string> = new Set<RevocationReason>(['revoked', 'expired', 'rotated_out']);

/**
 * Refused fingerprints with their denials prebuilt. Not an element of the document: neither
 * `credentials.onViolation` nor `credentials.mode` applies (a revoked credential is never
 * merely flagged); only the tenant's or the policy's shadow mode turns it into a would-deny.
 */
function compileRevoked(list: readonly RevokedCredential[], mode: Mode, error: (code: string, message: string, path: string) => void): Map<string, RevokedC> {
  const revoked = new Map<string, RevokedC>();
  list.forEach((r, i) => {
    const path = `/revokedCredentials/${i}`;
    if (typeof r.fingerprint !== 'string' || r.fingerprint === '') return error('credential.invalid', 'fingerprint must be a non-empty string', `${path}/fingerprint`);
    if (!REVOCATION_REASONS.has(r.reason)) return error('credential.invalid', `reason must be revoked, expired or rotated_out, got ${JSON.stringify(r.reason)}`, `${path}/reason`);
    if (typeof r.at !== 'number' || !Number.isFinite(r.at)) return error('credential.invalid', 'at must be a finite epoch-ms time', `${path}/at`);
    const fp = canonicalFingerprint(r.fingerprint);
    const seen = revoked.get(fp);
    if (seen !== undefined && seen.at <= r.at) return;
    const label = fp.length > 12 ? `${fp.slice(0, 12)}…` : fp;
    const when = new Date(r.at).toISOString();
    const reason =
      r.reason === 'revoked'
        ? `credential ${label} was revoked at ${when}; every call with it is denied`
        : r.reason === 'expired'
          ? `credential ${label} expired at ${when}; every call with it is denied`
          : `credential ${label} was rotated out at ${when}; use the new one`;
    const entry: MatchedRule = Object.freeze({ ruleId: `credential:${fp}`, kind: 'credential', effect: 'deny', severity: r.reason === 'revoked' ? 'critical' : 'high', mode, reason });
    revoked.set(fp, { at: r.at, entry });
  });
  return revoked;
}

function bind(doc: CompiledDocument, tenant: TenantContext): CompileResult {
  const errors: PolicyError[] = [];
  const tenantError = (code: string, message: string, path: string): void => {
    errors.push({ code, message, path: `/tenant${path}`, line: 1, column: 1 }); // no source text: 1:1, the path says where
  };
  const mode: Mode = tenant.mode === 'shadow' || doc.documentMode === 'shadow' ? 'shadow' : 'enforce';
  const agents = new Map<string, DirectoryAgent>();
  for (const a of tenant.agents ?? []) agents.set(a.id, a);
  const bindings = new Map<string, BindingC>();
  for (const b of doc.documentBindings) bindings.set(b.fingerprint, b);
  (tenant.credentials ?? []).forEach((b, i) => {
    const r = compileBinding(b, doc.credentialPolicy);
    for (const bad of r.badCidrs) tenantError('cidr.invalid', `'${b.cidrs?.[bad]}' is not an IPv4 or IPv6 CIDR`, `/credentials/${i}/cidrs/${bad}`);
    bindings.set(r.binding.fingerprint, r.binding);
  });
  const revoked = compileRevoked(tenant.revokedCredentials ?? [], mode, tenantError);
  const credentialBaselines = new Map<string, BaselineC>();
  const agentBaselines = new Map<string, BaselineC>();
  if (doc.drift !== undefined) {
    (tenant.baselines ?? []).forEach((b, i) => {
      const r = compileBaseline(b, doc.drift!, (code, message, path) => tenantError(code, message, `/baselines/${i}${path}`));
      if (r === undefined || r.observations < doc.drift!.minObservations) return;
      (r.subject === 'credential' ? credentialBaselines : agentBaselines).set(r.id, r.baseline);
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const entryMode = (m: Mode): Mode => (mode === 'shadow' ? 'shadow' : m);
  const ruleEntries: MatchedRule[] = doc.rules.map((r) =>
    Object.freeze({
      ruleId: r.id,
      kind: 'rule' as const,
      effect: r.effect,
      severity: r.severity,
      mode: entryMode(r.mode),
      reason: r.reason ?? `rule '${r.id}' matched: ${r.effect === 'approve' ? 'a person must approve the call' : r.effect}`,
    }),
  );
  const defaultEntry: MatchedRule = Object.freeze({
    ruleId: 'default',
    kind: 'default',
    effect: doc.defaultEffect,
    severity: 'low',
    mode,
    reason: `no rule decided the call; the policy default is ${doc.defaultEffect}`,
  });
  const cp = doc.credentialPolicy;
  const bundle: Bundle = {
    doc,
    mode,
    agents,
    bindings,
    revoked,
    hasCredentialGovernance: bindings.size > 0 || revoked.size > 0 || cp.requireCredential || cp.unbound !== 'allow',
    credentialBaselines,
    agentBaselines,
    hasDrift: credentialBaselines.size > 0 || agentBaselines.size > 0,
    ruleEntries,
    defaultEntry,
  };
  const policy: CompiledPolicy = Object.freeze({
    name: doc.name,
    version: doc.version,
    hash: doc.hash,
    mode,
    defaultEffect: doc.defaultEffect,
    size: { rules: doc.rules.length, limits: doc.limits.length, freezes: doc.freezes.length, sequences: doc.sequences.length },
    evaluationBudgetMs: doc.evaluationBudgetMs,
    decisionLogFull: doc.decisionLogFull,
    longestWindowMs: Math.max(
      0,
      ...doc.limits.map((l) => l.windowMs ?? 0),
      ...doc.sequences.map((s) => s.withinMs),
      bundle.hasDrift && doc.drift !== undefined ? Math.max(600_000, doc.drift.hours.windowMs) : 0,
    ),
    strictLimits: new Map(doc.limits.filter((l) => l.strict && l.windowMs !== undefined).map((l) => [l.id, { id: l.id, windowMs: l.windowMs!, maxCalls: l.maxCalls, maxRecords: l.maxRecords }])),
    __compiled: bundle,
  });
  return { ok: true, policy };
}
