/** Internal, precomputed form of a policy. Everything the hot path needs is built here once. */
import type { ParseResult } from '@marcbachmann/cel-js';
import type { Cidr } from '../match/cidr.js';
import type { GlobSet } from '../match/glob.js';
import type { ZoneClock } from '../time/zone.js';
import type { CredentialViolationAction, DirectoryAgent, Effect, FailMode, MatchKind, MatchedRule, Mode, RiskTier, Severity, StateUpdate } from '../types.js';

export interface AgentSelector {
  readonly ids: ReadonlySet<string> | undefined;
  readonly labels: readonly (readonly [string, string])[] | undefined;
  readonly environments: ReadonlySet<string> | undefined;
}

export interface Matcher {
  readonly agents: AgentSelector | undefined;
  /** undefined = any tool. */
  readonly tools: GlobSet | undefined;
  readonly resources: GlobSet | undefined;
}

export interface Expr {
  readonly program: ParseResult;
  readonly source: string;
}

interface ElementBase {
  readonly id: string;
  readonly kind: Exclude<MatchKind, 'credential' | 'drift' | 'agent_status' | 'default'>;
  readonly severity: Severity;
  /** The element's own mode (policy/tenant shadow is applied on top). */
  readonly mode: Mode;
  readonly reason: string | undefined;
  readonly match: Matcher;
  /** How long an approval request this element asks for lives, ms (its `approval.expiresIn`, else the document's default). */
  readonly approvalMs: number;
}

export interface RuleC extends ElementBase {
  readonly kind: 'rule';
  readonly effect: RuleEffect;
  readonly when: Expr | undefined;
  /** Position in `rules`, to find its ready-made entry in the bundle. */
  readonly index: number;
}

export type RuleEffect = Effect;
/** What a limit, freeze or sequence does when it would deny: deny, or ask for approval. */
export type HoldEffect = 'deny' | 'approve';

export type Scope = 'tenant' | 'agent' | 'agent_tool' | 'agent_resource' | 'credential' | 'tool' | 'resource';

export interface LimitC extends ElementBase {
  readonly kind: 'limit';
  readonly when: Expr | undefined;
  readonly records: Expr | undefined;
  readonly unboundedWhen: Expr | undefined;
  readonly maxPerCall: number | undefined;
  readonly windowMs: number | undefined;
  readonly windowText: string | undefined;
  readonly maxCalls: number | undefined;
  readonly maxRecords: number | undefined;
  readonly scope: Scope;
  /** Budgets leased from a coordinator (when the state offers leases) rather than counted windows. */
  readonly strict: boolean;
  readonly keyPrefix: string;
  readonly hold: HoldEffect;
}

export interface ExceptionC {
  readonly name: string;
  readonly agents: AgentSelector | undefined;
  readonly tools: GlobSet | undefined;
  readonly resources: GlobSet | undefined;
  /** `flag`: let through, recorded; `approve`: the call needs approval instead of being frozen. */
  readonly effect: 'flag' | 'approve';
  readonly approvalMs: number;
}

export interface FreezeC extends ElementBase {
  readonly kind: 'freeze';
  readonly clock: ZoneClock;
  /** [start, end) UTC ms, sorted. */
  readonly ranges: readonly (readonly [number, number])[];
  /** [start, end) ms since local Monday 00:00. */
  readonly weekly: readonly (readonly [number, number])[];
  readonly exceptions: readonly ExceptionC[];
  readonly hold: HoldEffect;
}

export interface StepC {
  readonly tools: GlobSet | undefined;
  readonly resources: GlobSet | undefined;
  readonly when: Expr | undefined;
}

export interface SequenceC extends ElementBase {
  readonly kind: 'sequence';
  readonly after: StepC;
  readonly then: StepC;
  readonly withinMs: number;
  readonly withinText: string;
  readonly sameResource: boolean;
  /** Whose earlier calls count: the agent's own, or the whole tenant's. */
  readonly scope: 'agent' | 'tenant';
  readonly minCalls: number;
  readonly keyPrefix: string;
  readonly hold: HoldEffect;
}

/** Elements that can apply to one tool name, in document order. */
export interface Candidates {
  readonly rules: readonly RuleC[];
  readonly limits: readonly LimitC[];
  readonly freezes: readonly FreezeC[];
  readonly seqThen: readonly SequenceC[];
  readonly seqAfter: readonly SequenceC[];
  /** The highest `tiers` entry naming the tool; undefined: none does. */
  readonly tier: RiskTier | undefined;
}

/** One `tiers` entry. */
export interface TierC {
  readonly tools: GlobSet;
  readonly tier: RiskTier;
}

export interface BindingC {
  readonly fingerprint: string;
  readonly agents: ReadonlySet<string> | undefined;
  readonly resources: GlobSet | undefined;
  readonly cidrs: readonly Cidr[] | undefined;
  readonly regions: ReadonlySet<string> | undefined;
  readonly onViolation: CredentialViolationAction;
  readonly approvalMs: number;
}

/** A refused fingerprint, bound to a tenant bundle: its denial is prebuilt. */
export interface RevokedC {
  /** Epoch ms from which calls presenting it are denied. */
  readonly at: number;
  readonly entry: MatchedRule;
}

export interface CredentialPolicyC {
  readonly unbound: 'allow' | 'flag' | 'deny';
  readonly requireCredential: boolean;
  readonly severity: Severity;
  readonly mode: Mode;
  readonly onViolation: CredentialViolationAction;
  readonly approvalMs: number;
}

/** One drift check as the document configures it. */
export interface DriftCheckC {
  readonly enabled: boolean;
  /** `deny`, `flag` (action alert), `observe` or `approve`. */
  readonly effect: 'deny' | 'flag' | 'observe' | 'approve';
  readonly severity: Severity;
  readonly approvalMs: number;
}

export interface DriftC {
  readonly credential: boolean;
  readonly agent: boolean;
  readonly minObservations: number;
  readonly resources: DriftCheckC;
  readonly locations: DriftCheckC;
  readonly tools: DriftCheckC;
  readonly rate: DriftCheckC & { readonly factor: number; readonly minCalls: number };
  readonly hours: DriftCheckC & { readonly minCalls: number; readonly windowMs: number; readonly windowText: string; readonly slackHours: number };
}

/** A trusted baseline, bound to a tenant bundle. Undefined sets are not checked. */
export interface BaselineC {
  /** `credential 3f2a9c1d0b7e…` or `agent 'crm-agent'`: how reasons name the subject. */
  readonly label: string;
  /** `credential` or `agent`, as in rule ids `drift:<subject>:<check>`. */
  readonly subject: 'credential' | 'agent';
  /** Window-state key suffix: subject kind and id. */
  readonly key: string;
  readonly observations: number;
  readonly resourceClasses: ReadonlySet<string> | undefined;
  readonly regions: ReadonlySet<string> | undefined;
  /** /24 and /48 networks in `networkOf` form. */
  readonly networks: ReadonlySet<string> | undefined;
  /** Baseline networks of other prefix lengths. */
  readonly wideNetworks: readonly Cidr[];
  /** Every baseline network as text, for reasons. */
  readonly networkList: readonly string[];
  readonly tools: ReadonlySet<string> | undefined;
  readonly peakPerMinute: number;
  readonly peakPer10Minutes: number;
  /** Bit h: hour h (UTC) is active, slack hours included; 0 = not checked. */
  readonly activeHours: number;
  /** The learned hours without slack, for reasons. */
  readonly learnedHours: number;
  /**
   * Memo of its window-state updates (one call) for the tenant last seen (a bundle serves one
   * tenant): the same key strings every call, so map lookups reuse their cached hashes.
   */
  windowKeys: { readonly tenant: string; readonly minute: StateUpdate; readonly tenMinutes: StateUpdate; readonly hours: StateUpdate } | undefined;
}

/** What compiling a document produces; shared by every tenant bundle made from it. */
export interface CompiledDocument {
  readonly name: string;
  readonly version: string;
  readonly hash: string;
  readonly documentMode: Mode;
  readonly defaultEffect: 'allow' | 'deny';
  /** `defaults.approvalExpiresIn`, ms. */
  readonly approvalExpiresInMs: number;
  readonly rules: readonly RuleC[];
  readonly limits: readonly LimitC[];
  readonly freezes: readonly FreezeC[];
  readonly sequences: readonly SequenceC[];
  readonly credentialPolicy: CredentialPolicyC;
  readonly documentBindings: readonly BindingC[];
  /** The `drift` section; undefined: no drift is checked. */
  readonly drift: DriftC | undefined;
  readonly tiers: readonly TierC[];
  readonly evaluationBudgetMs: number;
  readonly decisionLogFull: { readonly write: FailMode; readonly read: FailMode };
  readonly usesTime: boolean;
  readonly usesCel: boolean;
  /** Per-tool candidate lists, memoised (bounded); pure function of the document. */
  readonly byTool: Map<string, Candidates>;
}

/** A document bound to one tenant's context. */
export interface Bundle {
  readonly doc: CompiledDocument;
  readonly mode: Mode;
  readonly agents: ReadonlyMap<string, DirectoryAgent>;
  readonly bindings: ReadonlyMap<string, BindingC>;
  /** Revoked, rotated-out and expiring fingerprints (canonical form). */
  readonly revoked: ReadonlyMap<string, RevokedC>;
  readonly hasCredentialGovernance: boolean;
  /** Trusted baselines by canonical fingerprint and by agent id (empty without a `drift` section). */
  readonly credentialBaselines: ReadonlyMap<string, BaselineC>;
  readonly agentBaselines: ReadonlyMap<string, BaselineC>;
  readonly hasDrift: boolean;
  /** Entries per rule index for this bundle's mode. */
  readonly ruleEntries: readonly MatchedRule[];
  readonly defaultEntry: MatchedRule;
}
