import type { InventoryEntry } from '../../credential-governance/index.js';
import type { DecisionOutcome, DecisionRecord } from '../../decisions/index.js';
import { credentialFindings, type CredentialFindings } from './credential-findings.js';
import { blockingRules, isBlocked, isRefused, networkOf, SEVERITY_RANK, type RecordedSeverity } from './decision-facts.js';
import { PolicyRecommender, type CurrentPolicy, type RecommendedPolicy } from './recommended-policy.js';
import { dayLabels, DAY_MS, HOUR_MS, timeAxes, type ReportWindow, type TimeAxes } from './report-window.js';
import { callRisk, RISK_POINTS, riskTotal, type RiskBreakdown } from './risk-score.js';

export const SHADOW_REPORT_SCHEMA_VERSION = 1;

/** Keys listed per dimension (agents, tools, credentials, resources); the rest are summed as `others`. */
export const LISTED_KEYS = 50;
/** Distinct keys tracked per dimension; later new keys are counted in `others` only (`truncated`). */
export const TRACKED_KEYS = 20_000;
export const EXAMPLES_PER_RULE = 3;
export const RISKIEST_ACTIONS = 20;
/** A credential's baseline of locations: what it was used from in the first day after its first call in the window. */
export const LOCATION_BASELINE_MS = DAY_MS;

export interface ShadowReportTotals {
  readonly calls: number;
  readonly allowed: number;
  readonly wouldDeny: number;
  readonly denied: number;
  /** Refused before evaluation (unknown agent, bad token…); also counted in `denied`. */
  readonly refused: number;
  readonly agents: number;
  readonly tools: number;
  /** Distinct credential fingerprints (calls without one are not a credential). */
  readonly credentials: number;
  /** Distinct non-empty resources. */
  readonly resources: number;
  /** Calls whose arguments were retained. */
  readonly argumentsRetained: number;
}

export interface Activity {
  readonly key: string;
  readonly calls: number;
  readonly allowed: number;
  readonly wouldDeny: number;
  readonly denied: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Calls per UTC day of `window.days`. */
  readonly perDay: readonly number[];
  /** Calls per UTC hour from `window.hourStart`. */
  readonly perHour: readonly number[];
}

export interface ActivityDimension {
  /** Distinct keys seen (up to TRACKED_KEYS). */
  readonly keys: number;
  /** The busiest LISTED_KEYS keys, most calls first (then by key). */
  readonly items: readonly Activity[];
  /** Everything not listed, summed. */
  readonly others: { readonly keys: number; readonly calls: number; readonly perDay: readonly number[]; readonly perHour: readonly number[] };
  /** More than TRACKED_KEYS distinct keys: the later ones are only in `others`. */
  readonly truncated: boolean;
}

export interface ReceiptExample {
  readonly decisionId: string;
  readonly agentId: string;
  readonly tool: string;
  readonly resource: string;
  readonly outcome: DecisionOutcome;
  readonly decidedAt: string;
  readonly reason: string;
  readonly receipt: unknown;
}

export interface BlockedRule {
  readonly ruleId: string;
  readonly kind: string;
  readonly severity: RecordedSeverity;
  readonly reason: string;
  /** recorded: the decision said which rules denied; inferred: it predates that field (see blockingRules). */
  readonly attribution: 'recorded' | 'inferred';
  readonly calls: number;
  readonly wouldDeny: number;
  readonly denied: number;
  readonly agents: readonly string[];
  readonly tools: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly examples: readonly ReceiptExample[];
}

export interface SharedCredential {
  readonly fingerprint: string;
  readonly calls: number;
  readonly agents: readonly { readonly agentId: string; readonly calls: number; readonly firstSeen: string }[];
}

export interface NewLocation {
  readonly fingerprint: string;
  readonly dimension: 'region' | 'network';
  /** A region, or a network: the /24 of an IPv4 address, the /48 of an IPv6 one. */
  readonly value: string;
  readonly firstSeen: string;
  readonly calls: number;
  readonly agents: readonly string[];
  readonly exampleDecisionIds: readonly string[];
  /** The credential's baseline: its first day in the window, and what it was used from then. */
  readonly baselineFrom: string;
  readonly baselineUntil: string;
  readonly baseline: readonly string[];
}

export interface RiskyAction {
  readonly agentId: string;
  readonly tool: string;
  readonly resource: string;
  readonly score: number;
  readonly breakdown: RiskBreakdown;
  readonly calls: number;
  readonly wouldDeny: number;
  readonly denied: number;
  readonly ruleIds: readonly string[];
  readonly exampleDecisionIds: readonly string[];
  readonly lastSeen: string;
}

export interface ShadowReport {
  readonly schemaVersion: typeof SHADOW_REPORT_SCHEMA_VERSION;
  readonly window: { readonly from: string; readonly to: string; readonly days: readonly string[]; readonly hourStart: string; readonly hours: number };
  readonly generatedAt: string;
  readonly totals: ShadowReportTotals;
  readonly activity: { readonly agents: ActivityDimension; readonly tools: ActivityDimension; readonly credentials: ActivityDimension; readonly resources: ActivityDimension };
  /** Calls that were blocked (deny) or would have been (would_deny), by the rule that did it. */
  readonly wouldBlock: { readonly calls: number; readonly wouldDeny: number; readonly denied: number; readonly byRule: readonly BlockedRule[] };
  readonly credentials: {
    readonly sharedByAgents: readonly SharedCredential[];
    readonly newLocations: readonly NewLocation[];
    /** The credential inventory's findings over the window; absent from reports generated before they were added. */
    readonly findings?: CredentialFindings;
  };
  readonly riskiestActions: readonly RiskyAction[];
  readonly riskScoring: typeof RISK_POINTS;
  readonly recommendedPolicy: RecommendedPolicy;
}

type Dimension = 'agents' | 'tools' | 'credentials' | 'resources';

interface Counter {
  calls: number;
  allowed: number;
  wouldDeny: number;
  denied: number;
  first: number;
  last: number;
  hours: Map<number, number>;
}

interface RuleTally {
  ruleId: string;
  kind: string;
  severity: RecordedSeverity;
  reason: string;
  attribution: 'recorded' | 'inferred';
  calls: number;
  wouldDeny: number;
  denied: number;
  agents: Set<string>;
  tools: Set<string>;
  first: number;
  last: number;
  examples: Array<ReceiptExample & { at: number }>;
}

interface LocationSeen {
  first: number;
  calls: number;
  agents: Set<string>;
  examples: Array<{ at: number; id: string }>;
}

interface CredentialSeen {
  first: number;
  agents: Map<string, { calls: number; first: number }>;
  regions: Map<string, LocationSeen>;
  networks: Map<string, LocationSeen>;
  calls: number;
}

interface ActionTally {
  agentId: string;
  tool: string;
  resource: string;
  best: RiskBreakdown;
  calls: number;
  wouldDeny: number;
  denied: number;
  ruleIds: Set<string>;
  /** (credential, region, network) used, for the credential points at the end. */
  sources: Set<string>;
  examples: Array<{ at: number; id: string; score: number }>;
  last: number;
}

const MAX_LISTED = 10;
const MAX_SOURCES_PER_ACTION = 64;

/**
 * Builds a shadow report from a window's decisions, one at a time and in any order: memory
 * grows with distinct agents, tools, credentials, resources and rules, not with calls (but
 * for one timestamp per call, which the recommended limits need).
 */
export class ShadowReportBuilder {
  readonly #window: ReportWindow;
  readonly #axes: TimeAxes;
  readonly #dims = { agents: new Map<string, Counter>(), tools: new Map<string, Counter>(), credentials: new Map<string, Counter>(), resources: new Map<string, Counter>() };
  readonly #overflow = { agents: newCounter(), tools: newCounter(), credentials: newCounter(), resources: newCounter() };
  readonly #truncated = { agents: false, tools: false, credentials: false, resources: false };
  readonly #rules = new Map<string, RuleTally>();
  readonly #credentials = new Map<string, CredentialSeen>();
  readonly #actions = new Map<string, ActionTally>();
  readonly #recommender = new PolicyRecommender();
  readonly #totals = { calls: 0, allowed: 0, wouldDeny: 0, denied: 0, refused: 0, argumentsRetained: 0 };
  readonly #networks = new Map<string, string>();

  constructor(window: ReportWindow) {
    this.#window = window;
    this.#axes = timeAxes(window);
  }

  get calls(): number {
    return this.#totals.calls;
  }

  add(record: DecisionRecord): void {
    const at = record.decidedAt.getTime();
    const t = this.#totals;
    t.calls++;
    if (record.outcome === 'allow') t.allowed++;
    else if (record.outcome === 'would_deny') t.wouldDeny++;
    else t.denied++;
    if (isRefused(record)) t.refused++;
    if (record.arguments !== undefined) t.argumentsRetained++;

    this.#count('agents', record.agentId, record, at);
    this.#count('tools', record.tool, record, at);
    if (record.credentialFingerprint !== '') this.#count('credentials', record.credentialFingerprint, record, at);
    if (record.resource !== '') this.#count('resources', record.resource, record, at);
    if (isBlocked(record)) this.#block(record, at);
    if (record.credentialFingerprint !== '') this.#credential(record, at);
    this.#action(record, at);
    this.#recommender.add(record);
  }

  /** `credentialInventory`: the window's credential usage as credential governance classified it. */
  build(generatedAt: Date, currentPolicy: CurrentPolicy | undefined, credentialInventory: readonly InventoryEntry[]): ShadowReport {
    const iso = (ms: number) => new Date(ms).toISOString();
    const t = this.#totals;
    const shared = this.#sharedCredentials();
    const newLocations = this.#newLocations();
    const newSources = new Set(newLocations.map((l) => `${l.fingerprint}\u0000${l.dimension}\u0000${l.value}`));
    const sharedSet = new Set(shared.map((s) => s.fingerprint));

    const byRule = [...this.#rules.values()]
      .sort((a, b) => b.calls - a.calls || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || compare(a.ruleId, b.ruleId))
      .map((r): BlockedRule => ({
        ruleId: r.ruleId,
        kind: r.kind,
        severity: r.severity,
        reason: r.reason,
        attribution: r.attribution,
        calls: r.calls,
        wouldDeny: r.wouldDeny,
        denied: r.denied,
        agents: [...r.agents].sort(compare).slice(0, MAX_LISTED),
        tools: [...r.tools].sort(compare).slice(0, MAX_LISTED),
        firstSeen: iso(r.first),
        lastSeen: iso(r.last),
        examples: r.examples.map(({ at: _at, ...example }) => example),
      }));

    const riskiestActions = [...this.#actions.values()]
      .map((a): RiskyAction => {
        const breakdown = { ...a.best, credential: credentialPoints(a.sources, newSources, sharedSet) };
        return {
          agentId: a.agentId,
          tool: a.tool,
          resource: a.resource,
          score: riskTotal(breakdown),
          breakdown,
          calls: a.calls,
          wouldDeny: a.wouldDeny,
          denied: a.denied,
          ruleIds: [...a.ruleIds].sort(compare),
          exampleDecisionIds: a.examples.map((e) => e.id),
          lastSeen: iso(a.last),
        };
      })
      .filter((a) => a.score > 0)
      .sort((a, b) => b.score - a.score || b.calls - a.calls || compare(a.agentId, b.agentId) || compare(a.tool, b.tool) || compare(a.resource, b.resource))
      .slice(0, RISKIEST_ACTIONS);

    return {
      schemaVersion: SHADOW_REPORT_SCHEMA_VERSION,
      window: {
        from: this.#window.from.toISOString(),
        to: this.#window.to.toISOString(),
        days: dayLabels(this.#axes),
        hourStart: iso(this.#axes.hourStart),
        hours: this.#axes.hours,
      },
      generatedAt: generatedAt.toISOString(),
      totals: {
        calls: t.calls,
        allowed: t.allowed,
        wouldDeny: t.wouldDeny,
        denied: t.denied,
        refused: t.refused,
        agents: this.#dims.agents.size,
        tools: this.#dims.tools.size,
        credentials: this.#dims.credentials.size,
        resources: this.#dims.resources.size,
        argumentsRetained: t.argumentsRetained,
      },
      activity: {
        agents: this.#dimension('agents'),
        tools: this.#dimension('tools'),
        credentials: this.#dimension('credentials'),
        resources: this.#dimension('resources'),
      },
      wouldBlock: { calls: t.wouldDeny + t.denied, wouldDeny: t.wouldDeny, denied: t.denied, byRule },
      credentials: { sharedByAgents: shared, newLocations, findings: credentialFindings(credentialInventory) },
      riskiestActions,
      riskScoring: RISK_POINTS,
      recommendedPolicy: this.#recommender.recommend(this.#window, currentPolicy),
    };
  }

  #count(dimension: Dimension, key: string, record: DecisionRecord, at: number): void {
    const counters = this.#dims[dimension];
    let counter = counters.get(key);
    if (!counter) {
      if (counters.size >= TRACKED_KEYS) {
        this.#truncated[dimension] = true;
        counter = this.#overflow[dimension];
      } else counters.set(key, (counter = newCounter()));
    }
    counter.calls++;
    if (record.outcome === 'allow') counter.allowed++;
    else if (record.outcome === 'would_deny') counter.wouldDeny++;
    else counter.denied++;
    counter.first = Math.min(counter.first, at);
    counter.last = Math.max(counter.last, at);
    const hour = Math.floor((at - this.#axes.hourStart) / HOUR_MS);
    counter.hours.set(hour, (counter.hours.get(hour) ?? 0) + 1);
  }

  #dimension(dimension: Dimension): ActivityDimension {
    const entries = [...this.#dims[dimension].entries()].sort(([ka, a], [kb, b]) => b.calls - a.calls || compare(ka, kb));
    const listed = entries.slice(0, LISTED_KEYS);
    const others = newCounter();
    for (const [, c] of entries.slice(LISTED_KEYS)) mergeInto(others, c);
    const overflow = this.#overflow[dimension];
    mergeInto(others, overflow);
    return {
      keys: entries.length,
      items: listed.map(([key, c]) => ({
        key,
        calls: c.calls,
        allowed: c.allowed,
        wouldDeny: c.wouldDeny,
        denied: c.denied,
        firstSeen: new Date(c.first).toISOString(),
        lastSeen: new Date(c.last).toISOString(),
        perDay: this.#perDay(c),
        perHour: this.#perHour(c),
      })),
      others: { keys: Math.max(0, entries.length - LISTED_KEYS), calls: others.calls, perDay: this.#perDay(others), perHour: this.#perHour(others) },
      truncated: this.#truncated[dimension],
    };
  }

  #perHour(counter: Counter): number[] {
    const hours = Array<number>(this.#axes.hours).fill(0);
    for (const [hour, n] of counter.hours) if (hour >= 0 && hour < hours.length) hours[hour]! += n;
    return hours;
  }

  #perDay(counter: Counter): number[] {
    const days = Array<number>(this.#axes.days).fill(0);
    for (const [hour, n] of counter.hours) {
      const day = Math.floor((this.#axes.hourStart + hour * HOUR_MS - this.#axes.dayStart) / DAY_MS);
      if (day >= 0 && day < days.length) days[day]! += n;
    }
    return days;
  }

  #block(record: DecisionRecord, at: number): void {
    const { rules, attribution } = blockingRules(record);
    const blamed = rules.length > 0 ? rules : [{ ruleId: '(unattributed)', reason: 'the decision names no rule', severity: 'unspecified' as const, kind: '', effect: '' as const }];
    const seen = new Set<string>();
    for (const rule of blamed) {
      if (seen.has(rule.ruleId)) continue;
      seen.add(rule.ruleId);
      let tally = this.#rules.get(rule.ruleId);
      if (!tally) {
        tally = { ruleId: rule.ruleId, kind: rule.kind, severity: rule.severity, reason: rule.reason, attribution, calls: 0, wouldDeny: 0, denied: 0, agents: new Set(), tools: new Set(), first: at, last: at, examples: [] };
        this.#rules.set(rule.ruleId, tally);
      }
      tally.calls++;
      if (record.outcome === 'would_deny') tally.wouldDeny++;
      else tally.denied++;
      if (SEVERITY_RANK[rule.severity] > SEVERITY_RANK[tally.severity]) tally.severity = rule.severity;
      if (attribution === 'inferred') tally.attribution = 'inferred';
      if (tally.agents.size <= MAX_LISTED) tally.agents.add(record.agentId);
      if (tally.tools.size <= MAX_LISTED) tally.tools.add(record.tool);
      tally.first = Math.min(tally.first, at);
      tally.last = Math.max(tally.last, at);
      keepEarliest(tally.examples, EXAMPLES_PER_RULE, {
        at,
        decisionId: record.decisionId,
        agentId: record.agentId,
        tool: record.tool,
        resource: record.resource,
        outcome: record.outcome,
        decidedAt: record.decidedAt.toISOString(),
        reason: rule.reason,
        receipt: record.receipt,
      });
    }
  }

  #credential(record: DecisionRecord, at: number): void {
    let seen = this.#credentials.get(record.credentialFingerprint);
    if (!seen) this.#credentials.set(record.credentialFingerprint, (seen = { first: at, agents: new Map(), regions: new Map(), networks: new Map(), calls: 0 }));
    seen.calls++;
    seen.first = Math.min(seen.first, at);
    const agent = seen.agents.get(record.agentId);
    if (agent) {
      agent.calls++;
      agent.first = Math.min(agent.first, at);
    } else seen.agents.set(record.agentId, { calls: 1, first: at });
    const locate = (map: Map<string, LocationSeen>, value: string) => {
      if (value === '') return;
      let location = map.get(value);
      if (!location) map.set(value, (location = { first: at, calls: 0, agents: new Set(), examples: [] }));
      location.calls++;
      location.first = Math.min(location.first, at);
      if (location.agents.size <= MAX_LISTED) location.agents.add(record.agentId);
      keepEarliest(location.examples, EXAMPLES_PER_RULE, { at, id: record.decisionId });
    };
    locate(seen.regions, record.sourceRegion);
    locate(seen.networks, this.#network(record.sourceIp));
  }

  #action(record: DecisionRecord, at: number): void {
    const key = `${record.agentId}\u0000${record.tool}\u0000${record.resource}`;
    let action = this.#actions.get(key);
    const risk = callRisk(record);
    if (!action) {
      action = { agentId: record.agentId, tool: record.tool, resource: record.resource, best: risk, calls: 0, wouldDeny: 0, denied: 0, ruleIds: new Set(), sources: new Set(), examples: [], last: at };
      this.#actions.set(key, action);
    }
    action.calls++;
    if (record.outcome === 'would_deny') action.wouldDeny++;
    else if (record.outcome === 'deny') action.denied++;
    if (riskTotal(risk) > riskTotal(action.best)) action.best = risk;
    if (isBlocked(record)) for (const r of blockingRules(record).rules) if (action.ruleIds.size < MAX_LISTED) action.ruleIds.add(r.ruleId);
    if (record.credentialFingerprint !== '' && action.sources.size < MAX_SOURCES_PER_ACTION) {
      action.sources.add(`${record.credentialFingerprint}\u0000${record.sourceRegion}\u0000${this.#network(record.sourceIp)}`);
    }
    action.last = Math.max(action.last, at);
    // Examples: the highest-scoring calls, earliest first among equals.
    const score = riskTotal(risk);
    const example = { at, id: record.decisionId, score };
    const worst = action.examples[action.examples.length - 1];
    if (action.examples.length < EXAMPLES_PER_RULE || (worst !== undefined && byRisk(example, worst) < 0)) {
      action.examples.push(example);
      action.examples.sort(byRisk);
      if (action.examples.length > EXAMPLES_PER_RULE) action.examples.length = EXAMPLES_PER_RULE;
    }
  }

  /** networkOf, remembered for the source addresses seen (a few per agent, as a rule). */
  #network(ip: string): string {
    let network = this.#networks.get(ip);
    if (network === undefined) {
      network = networkOf(ip);
      if (this.#networks.size < 100_000) this.#networks.set(ip, network);
    }
    return network;
  }

  #sharedCredentials(): SharedCredential[] {
    const iso = (ms: number) => new Date(ms).toISOString();
    return [...this.#credentials.entries()]
      .filter(([, c]) => c.agents.size > 1)
      .map(([fingerprint, c]) => ({
        fingerprint,
        calls: c.calls,
        agents: [...c.agents.entries()]
          .sort(([a, x], [b, y]) => x.first - y.first || compare(a, b))
          .map(([agentId, a]) => ({ agentId, calls: a.calls, firstSeen: iso(a.first) })),
      }))
      .sort((a, b) => b.agents.length - a.agents.length || b.calls - a.calls || compare(a.fingerprint, b.fingerprint));
  }

  #newLocations(): NewLocation[] {
    const iso = (ms: number) => new Date(ms).toISOString();
    const found: NewLocation[] = [];
    for (const [fingerprint, c] of this.#credentials) {
      const until = c.first + LOCATION_BASELINE_MS;
      for (const [dimension, map] of [['region', c.regions], ['network', c.networks]] as const) {
        const baseline = [...map.entries()].filter(([, l]) => l.first < until).map(([v]) => v).sort(compare);
        for (const [value, l] of map) {
          if (l.first < until) continue;
          found.push({
            fingerprint,
            dimension,
            value,
            firstSeen: iso(l.first),
            calls: l.calls,
            agents: [...l.agents].sort(compare).slice(0, MAX_LISTED),
            exampleDecisionIds: l.examples.map((e) => e.id),
            baselineFrom: iso(c.first),
            baselineUntil: iso(until),
            baseline: baseline.slice(0, MAX_LISTED),
          });
        }
      }
    }
    return found.sort((a, b) => compare(a.firstSeen, b.firstSeen) || compare(a.fingerprint, b.fingerprint) || compare(a.dimension, b.dimension) || compare(a.value, b.value));
  }
}

/** Credential points of an action: a new location (10) and a shared credential (5) add up. */
function credentialPoints(sources: ReadonlySet<string>, newSources: ReadonlySet<string>, shared: ReadonlySet<string>): number {
  let fromNewLocation = false;
  let sharedCredential = false;
  for (const source of sources) {
    const [fingerprint = '', region = '', network = ''] = source.split('\u0000');
    if (newSources.has(`${fingerprint}\u0000region\u0000${region}`) || newSources.has(`${fingerprint}\u0000network\u0000${network}`)) fromNewLocation = true;
    if (shared.has(fingerprint)) sharedCredential = true;
  }
  return (fromNewLocation ? RISK_POINTS.newLocation : 0) + (sharedCredential ? RISK_POINTS.sharedCredential : 0);
}

function newCounter(): Counter {
  return { calls: 0, allowed: 0, wouldDeny: 0, denied: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY, hours: new Map() };
}

function mergeInto(target: Counter, source: Counter): void {
  target.calls += source.calls;
  target.allowed += source.allowed;
  target.wouldDeny += source.wouldDeny;
  target.denied += source.denied;
  for (const [hour, n] of source.hours) target.hours.set(hour, (target.hours.get(hour) ?? 0) + n);
}

/** Keeps the `max` earliest items of a list (by `at`, then insertion). */
function keepEarliest<T extends { at: number }>(list: T[], max: number, item: T): void {
  if (list.length >= max && item.at >= list[list.length - 1]!.at) return;
  list.push(item);
  list.sort((a, b) => a.at - b.at);
  if (list.length > max) list.length = max;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Riskier first, then earlier, then by id. */
const byRisk = (a: { score: number; at: number; id: string }, b: { score: number; at: number; id: string }): number => b.score - a.score || a.at - b.at || compare(a.id, b.id);
