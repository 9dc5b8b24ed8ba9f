/**
 * Public types of the Thoth policy engine (`@thoth/policy`).
 *
 * The engine is pure: `compilePolicy` turns a v1 document (YAML or JSON) into a
 * `CompiledPolicy`; `decide` reads a request, a read-only view of the window state and
 * the current time and returns a `Decision` with the `StateUpdate`s the caller applies
 * (`WindowState.apply`). Nothing here does I/O or reads the clock.
 * See docs/policy.md for the language reference.
 */

/** Final outcome of a decision. `approve`: the call needs a person's approval first (docs/approvals.md); it must not run. */
export type Effect = 'allow' | 'deny' | 'approve';

/** `enforce`: a deny blocks the call. `shadow`: a deny (or approve) is recorded as would-deny, the call goes through. */
export type Mode = 'enforce' | 'shadow';

/** Severity of a rule, carried into decisions, the ledger and SOC alerts. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Lifecycle of an agent; anything but `active` is denied everything (kill switch). */
export type AgentStatus = 'active' | 'suspended' | 'retired';

/** What kind of policy element produced a `MatchedRule`. */
export type MatchKind = 'rule' | 'limit' | 'freeze' | 'sequence' | 'credential' | 'drift' | 'agent_status' | 'default';

/**
 * Effect a matched element asked for. `flag` records a finding to alert on (e.g. a
 * credential used outside its binding with `onViolation: flag`, drift with `action: alert`)
 * without changing the outcome; `observe` records it only (drift with `action: observe`);
 * `approve` asks for a person's approval of the call (docs/approvals.md).
 */
export type MatchEffect = 'allow' | 'deny' | 'flag' | 'observe' | 'approve';

/**
 * How much harm a call can do: `read` looks, `write` changes what can be corrected,
 * `destructive` deletes, pays, deploys. The effective tier of a call is the higher of the
 * caller's and the policy's (`tiers`); neither: `write`. A destructive call never fails open.
 */
export type RiskTier = 'read' | 'write' | 'destructive';

/**
 * What an element whose evaluation failed does: `closed` denies (as the element's mode says);
 * `open` records a would-deny that does not deny. A destructive call is always closed.
 */
export type FailMode = 'open' | 'closed';

/** Options of `decide`. */
export interface DecideOptions {
  /** The tenant's fail mode. Default `closed`. */
  readonly failMode?: FailMode;
  /**
   * Monotonic clock (ms) the evaluation budget is measured on; default `performance.now`.
   * Tests pass one they step by hand.
   */
  readonly clock?: () => number;
  /**
   * CPU clock (ms) of the deciding thread, on which the budget is given again once `clock`
   * says it is spent (a pause is not the decision's doing: decide/budget.ts). Default: the
   * thread's CPU time when `clock` is the default; none (the wall clock alone) when a test
   * passes its own `clock` and no `cpuClock`.
   */
  readonly cpuClock?: () => number;
}

/** One tool call as the enforcer sees it. */
export interface DecisionRequest {
  /** Tenant the call belongs to; part of every window-state key. */
  readonly tenantId: string;
  readonly agent: {
    readonly id: string;
    /** Used when the tenant directory does not know the agent (the directory wins). */
    readonly labels?: Readonly<Record<string, string>>;
    readonly environment?: string;
    /** Either this or the directory saying `suspended`/`retired` denies the call. */
    readonly status?: AgentStatus;
  };
  /** Tool name, e.g. `crm.delete_records`. Matched by `match.tools` globs. */
  readonly tool: string;
  /** Parsed JSON arguments of the call; `args` in CEL. */
  readonly args: unknown;
  /** What the call touches, e.g. `crm/executives`. Matched by `match.resources` globs. */
  readonly resource?: string;
  /** The credential in use, by SHA-256 fingerprint (never the secret). */
  readonly credential?: { readonly fingerprint: string };
  /** Where the call comes from. `ip` is IPv4 or IPv6 text. */
  readonly source?: { readonly ip?: string; readonly region?: string };
  /** The caller's risk tier for the call; the policy's tier for the tool wins when higher. */
  readonly risk?: RiskTier;
  /**
   * Time the client claims (epoch ms). Informational: windows, freezes and CEL `time`
   * use the `now` argument of `decide`, which the enforcer owns.
   */
  readonly time?: number;
}

/** One policy element that matched, with the reason a human reads in the ledger. */
export interface MatchedRule {
  /** The element's `id` (`agent-status`, `default`, `credential:<fingerprint>` and `drift:<subject>:<check>` for built-ins). */
  readonly ruleId: string;
  readonly kind: MatchKind;
  readonly effect: MatchEffect;
  readonly severity: Severity;
  /** `shadow` if this element (or the whole policy/tenant) only observes. */
  readonly mode: Mode;
  readonly reason: string;
}

/** An error met while evaluating (a CEL runtime error, a non-boolean condition...). */
export interface EvaluationFailure {
  /** `cel.eval` | `cel.result_type` | `records.invalid` | `budget.exceeded` | `request.invalid` | `internal.error` */
  readonly code: string;
  readonly message: string;
  /** Element whose expression failed. */
  readonly ruleId: string;
}

/**
 * One add to a sliding-window counter. `decide` returns them; the caller applies them
 * with `state.apply(updates, now)` once it has acted on the decision.
 */
export interface StateUpdate {
  /** Opaque counter key (tenant, element, scope value). */
  readonly key: string;
  /** Window length of that counter, ms. */
  readonly windowMs: number;
  readonly calls: number;
  readonly records: number;
  /** Set on the update of a strict limit: it spends leased budget (`WindowStateView.lease`). */
  readonly strict?: true;
}

/**
 * A strict limit whose budget the decider did not hold for this call (`WindowStateView.lease`
 * returned nothing, or less than the call needs): the limit denied the call, and a decider that
 * can lease more budget may do so and decide again.
 */
export interface LeaseNeed {
  readonly limitId: string;
  readonly key: string;
  readonly windowMs: number;
  /** What the call needs: 1 call, and its records. */
  readonly calls: number;
  readonly records: number;
  /** The window's maxima, as the policy says (undefined: that dimension is not limited). */
  readonly maxCalls: number | undefined;
  readonly maxRecords: number | undefined;
}

/** A strict limit's window, as a coordinator leasing its budget reads it. */
export interface StrictLimit {
  readonly id: string;
  readonly windowMs: number;
  readonly maxCalls: number | undefined;
  readonly maxRecords: number | undefined;
}

/** What a decider holds of a strict limit's budget for one key: units it may still spend. */
export interface LeasedBudget {
  readonly calls: number;
  readonly records: number;
}

/** Why a call needs approval: the elements that asked, and how long the request lives. */
export interface ApprovalNeed {
  /** Ids of the enforced elements that asked for approval, in evaluation order, each once. */
  readonly ruleIds: readonly string[];
  /** The earliest expiry of those elements (`approval.expiresIn`, else `defaults.approvalExpiresIn`), ms. */
  readonly expiresInMs: number;
}

/** The answer of `decide`. */
export interface Decision {
  /**
   * What the enforcer does: `allow` lets the call through; `approve` holds it for a person's
   * approval (an enforced deny wins over an enforced approve, which wins over every allow).
   */
  readonly effect: Effect;
  /**
   * True when the call is let through although it would have been denied or held: the
   * tenant/policy is in shadow mode and the enforced outcome is deny or approve, or a
   * shadow-mode element matched with deny or approve.
   */
  readonly shadow: boolean;
  /** Set when `effect` is `approve`. */
  readonly approval?: ApprovalNeed;
  /**
   * The first evaluation failure, or a malformed request. A failed element denies when the
   * tenant fails closed or the call is destructive (unless the element or the policy is in
   * shadow mode), and is recorded as a would-deny that denies nothing when the tenant fails
   * open; other elements decide as usual (docs/policy.md, "Errors at decision time").
   */
  readonly error?: EvaluationFailure;
  /** The call's effective risk tier. */
  readonly tier: RiskTier;
  /** Every element that matched, in evaluation order. */
  readonly matched: readonly MatchedRule[];
  readonly policyVersion: string;
  readonly policyHash: string;
  /**
   * Counter updates to apply, whatever the effect: attempts count toward limits and sequences
   * (empty only for a kill-switch denial or an unevaluable request). A strict limit's update
   * (`strict`) is there only when that limit let the call through: it spends leased budget,
   * and budget not held is not spent.
   */
  readonly updates: readonly StateUpdate[];
  /** Strict limits that denied the call for want of leased budget (see `LeaseNeed`); absent when none. */
  readonly leases?: readonly LeaseNeed[];
}

/** Read-only view of the window state that `decide` consults. */
export interface WindowStateView {
  /** Calls and records summed over the window ending at `now` for `key`. */
  read(key: string, windowMs: number, now: number): { readonly calls: number; readonly records: number };
  /**
   * The budget held for a strict limit's key (undefined: none). A view without `lease` decides
   * strict limits on its windows, as eventual ones (one process, or a replay: the same answer).
   */
  lease?(key: string, windowMs: number, now: number): LeasedBudget | undefined;
}

/** Options of `WindowState`. */
export interface WindowStateOptions {
  /**
   * Most keys kept in all. A key with counts inside its window is never evicted: when full,
   * an idle key is dropped to make room, else the new key is not kept (`ApplyResult`). Default 100,000.
   */
  readonly maxKeys?: number;
  /** Most keys created by the calls of one tenant (`apply`'s owner). Default `maxKeys`. */
  readonly maxKeysPerTenant?: number;
  /** Most keys created by the calls of one agent of a tenant. Default `maxKeysPerTenant`. */
  readonly maxKeysPerAgent?: number;
  /** Buckets per window (resolution = ceil(windowMs / buckets)). Default 20. */
  readonly buckets?: number;
}

/** The tenant and agent whose call a decision's updates come from: the quotas its new keys are charged to. */
export interface StateOwner {
  readonly tenantId: string;
  readonly agentId: string;
}

/** The bound a new key did not fit in: all keys, the tenant's, or the agent's. */
export type WindowQuota = 'enforcer' | 'tenant' | 'agent';

/** What `WindowState.apply` could not count. */
export interface ApplyResult {
  /** Updates of new keys not kept because a quota was full (their counts are lost); 0 when all were applied. */
  readonly untracked: number;
  /** The first quota that was full, when `untracked > 0`. */
  readonly quota?: WindowQuota;
  /** `fold` only: updates of a key held with another window length, left out (a peer on another policy version). */
  readonly mismatched?: number;
}

/** Counters of `WindowState.stats()`. */
export interface WindowStateStats {
  readonly liveKeys: number;
  readonly maxKeys: number;
  readonly maxKeysPerTenant: number;
  readonly maxKeysPerAgent: number;
  /** Idle keys (nothing left in their window) dropped to make room for a new key. */
  readonly evictions: number;
  /** Updates of new keys not kept because a quota was full. */
  readonly refused: number;
  /** Estimated bytes held by the live keys (buffers plus per-key overhead). */
  readonly approxBytes: number;
}

/** An agent as the control plane knows it (tenant directory). */
export interface DirectoryAgent {
  readonly id: string;
  readonly status: AgentStatus;
  readonly labels?: Readonly<Record<string, string>>;
  readonly environment?: string;
}

/** What to do when a credential is used outside its binding. */
export type CredentialViolationAction = 'deny' | 'flag' | 'approve';

/** Which agents may use a credential, for what, and from where. */
export interface CredentialBinding {
  /** SHA-256 fingerprint as the enforcer reports it (compared as an exact string). */
  readonly fingerprint: string;
  /** Agent ids allowed to use it; absent = any agent. */
  readonly agents?: readonly string[];
  /** Resource globs it may touch; absent = any. */
  readonly resources?: readonly string[];
  /** Source CIDRs (IPv4 and IPv6); absent = anywhere. */
  readonly cidrs?: readonly string[];
  /** Source regions; absent = any. */
  readonly regions?: readonly string[];
  /** Overrides the document's `credentials.onViolation`. */
  readonly onViolation?: CredentialViolationAction;
}

/** Why a credential fingerprint may no longer be used. */
export type RevocationReason = 'revoked' | 'expired' | 'rotated_out';

/**
 * A credential fingerprint refused from `at` on, whatever the bindings and the document's
 * `credentials` section say (`onViolation`, `unbound`, `mode`): the call is denied when the
 * tenant enforces, a would-deny in shadow mode. Compared at decision time, so an expiry in
 * the future starts refusing at that instant without a new tenant context.
 */
export interface RevokedCredential {
  /** SHA-256 fingerprint (any form `canonicalFingerprint` folds). */
  readonly fingerprint: string;
  readonly reason: RevocationReason;
  /** Epoch ms: when it was revoked, rotated out, or expires. */
  readonly at: number;
}

/** Whose usage a baseline describes: a credential (by fingerprint) or an agent (by id). */
export type BaselineSubject = 'credential' | 'agent';

/**
 * How a credential or an agent is normally used, learned from recorded decisions (the
 * control plane learns it; see docs/credential-governance.md). The document's `drift`
 * section checks calls against it. An absent or empty list means nothing was learned about
 * that dimension, and it is not checked.
 */
export interface Baseline {
  readonly subject: BaselineSubject;
  /** Credential fingerprint (any form `canonicalFingerprint` folds) or agent id. */
  readonly id: string;
  /** Calls it was learned from; below `drift.minObservations` it is not trusted (not checked). */
  readonly observations: number;
  /** Resource classes touched (`resourceClass(resource)`); `""` stands for calls without a resource. */
  readonly resourceClasses?: readonly string[];
  readonly regions?: readonly string[];
  /** Source networks as CIDRs, normally the `networkOf(ip)` prefixes (IPv4 /24, IPv6 /48). */
  readonly networks?: readonly string[];
  readonly tools?: readonly string[];
  /** Most calls seen in one minute / in ten minutes; 0 or absent: the rate is not checked. */
  readonly peakPerMinute?: number;
  readonly peakPer10Minutes?: number;
  /** Hours of the day (0-23, UTC) in which calls were seen; absent or empty: not checked. */
  readonly activeHoursUtc?: readonly number[];
}

/**
 * The per-tenant context the control plane compiles with the policy: tenant mode, the
 * agent directory (status = kill switch, labels, environment), credential bindings,
 * learned baselines and revoked credentials.
 * Bind it with `compilePolicy(doc, {tenant})` or, reusing a compiled document,
 * `bindTenant(policy, tenant)` (cheap: no CEL is recompiled).
 */
export interface TenantContext {
  /** `shadow` during the trial. Shadow wins over enforce whether it comes from the tenant or the document. */
  readonly mode?: Mode;
  readonly agents?: readonly DirectoryAgent[];
  /** Merged with the document's `credentials.bindings`; the tenant's win on equal fingerprints. */
  readonly credentials?: readonly CredentialBinding[];
  /** Checked by the document's `drift` section (none: no drift is checked). The last one for a subject wins. */
  readonly baselines?: readonly Baseline[];
  /** Refused fingerprints; for one named twice the earliest `at` wins. */
  readonly revokedCredentials?: readonly RevokedCredential[];
}

/** Compile-time bounds on expressions and documents. */
export interface PolicyLimits {
  /** Longest CEL source, characters. Default 1,024. */
  readonly maxExpressionLength?: number;
  /** Most AST nodes per expression. Default 128. */
  readonly maxAstNodes?: number;
  /** Deepest nesting per expression. Default 16. */
  readonly maxAstDepth?: number;
  /** Deepest nesting of comprehensions (all/exists/map/filter). Default 1. */
  readonly maxComprehensionNesting?: number;
  /** Most rules + limits + freezes + sequences. Default 10,000. */
  readonly maxElements?: number;
}

/** Options of `compilePolicy`. */
export interface CompileOptions {
  /** Parse string input as `yaml` (default; JSON is YAML) or strict `json`. */
  readonly format?: 'yaml' | 'json';
  readonly limits?: PolicyLimits;
  readonly tenant?: TenantContext;
}

/** A rejected document: every problem with a stable code and its position. */
export interface PolicyError {
  /**
   * Stable code: `yaml.syntax`, `json.syntax`, `input.invalid`, `schema.unknown_field`,
   * `schema.missing_field`, `schema.type`, `schema.enum`, `schema.pattern`, `schema.range`,
   * `schema.size`, `cel.syntax`, `cel.type`, `cel.too_complex`, `cel.unsafe_regex`, `rule.duplicate_id`,
   * `rule.reserved_id`, `time.invalid_zone`, `time.invalid`, `time.invalid_range`,
   * `cidr.invalid`, `baseline.invalid`, `policy.too_large`, `internal.error` (docs/policy.md, Error codes).
   */
  readonly code: string;
  readonly message: string;
  /** JSON pointer into the document, e.g. `/rules/3/when`. */
  readonly path: string;
  /**
   * 1-based line in the source text (for object input: in its `JSON.stringify(doc, null, 2)`
   * rendering). Errors in the tenant context, which has no source text, say 1:1 and carry
   * a `/tenant/...` path.
   */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Result of `compilePolicy`. */
export type CompileResult = { readonly ok: true; readonly policy: CompiledPolicy } | { readonly ok: false; readonly errors: readonly PolicyError[] };

/**
 * A compiled, immutable policy bundle. Opaque: only `decide`, `replay` and
 * `bindTenant` look inside. Safe to share between concurrent decisions.
 */
export interface CompiledPolicy {
  readonly name: string;
  readonly version: string;
  /** `sha256:<hex>` of the canonical JSON of the document. */
  readonly hash: string;
  /** Effective mode (shadow if the document or the tenant says shadow). */
  readonly mode: Mode;
  readonly defaultEffect: 'allow' | 'deny';
  /** Counts of compiled elements. */
  readonly size: { readonly rules: number; readonly limits: number; readonly freezes: number; readonly sequences: number };
  /** Evaluation budget of one decision, ms (`evaluation.budget`). */
  readonly evaluationBudgetMs: number;
  /** What a write and a read do when their decision event cannot be kept (`decisionLogFull`); a destructive call is always closed. */
  readonly decisionLogFull: { readonly write: FailMode; readonly read: FailMode };
  /** The longest sliding window any element counts in, ms (0: none): what a decider's memory of calls must cover. */
  readonly longestWindowMs: number;
  /** The strict limits (`consistency: strict`) by id: the budgets a coordinator leases. */
  readonly strictLimits: ReadonlyMap<string, StrictLimit>;
  /** @internal */
  readonly __compiled: unknown;
}

/** A call as it was recorded (by the ledger or a shadow trial), for `replay`. */
export interface RecordedCall {
  /** Caller's id for the call (decision id); echoed in the report. */
  readonly id?: string;
  /** When it was decided, epoch ms; replay orders by it (stable). */
  readonly at: number;
  readonly request: DecisionRequest;
  /** What was decided then. `shadow: true` counts as would-deny, `approve` as held (blocked). */
  readonly recorded?: { readonly effect: Effect; readonly shadow?: boolean; readonly ruleIds?: readonly string[] };
}

/** Options of `replay`. */
export interface ReplayOptions {
  readonly state?: WindowStateOptions;
  /** Examples kept per rule. Default 5. */
  readonly maxExamplesPerRule?: number;
  /** The tenant's fail mode, as the enforcer decides with it (`DecideOptions.failMode`). Default `closed`. */
  readonly failMode?: FailMode;
}

/** Outcome of one recorded call under the candidate policy. */
export interface ReplayedCall {
  readonly id: string;
  readonly at: number;
  /** Would the recorded decision have blocked (deny, held for approval, or shadow would-deny)? Undefined when not recorded. */
  readonly recordedDeny?: boolean;
  /** Would the candidate block it if enforced (effect deny, effect approve: held for a person, or shadow)? */
  readonly replayedDeny: boolean;
  readonly decision: Decision;
  readonly changed: boolean;
}

/** Per-rule change counts. */
export interface ReplayRuleChange {
  readonly ruleId: string;
  /** Calls allowed then that this rule now denies or holds for approval. */
  readonly newlyDenied: number;
  /** Calls denied then (naming this rule) that are now allowed. */
  readonly newlyAllowed: number;
  /** Ids of a few such calls. */
  readonly examples: readonly string[];
}

/** What `replay` reports. */
export interface ReplayReport {
  readonly total: number;
  readonly changed: number;
  readonly newlyDenied: number;
  readonly newlyAllowed: number;
  readonly calls: readonly ReplayedCall[];
  /** Sorted by rule id. */
  readonly byRule: readonly ReplayRuleChange[];
}
