import { compilePolicy, POLICY_API_VERSION, POLICY_KIND, type PolicyError } from '@thoth/policy';
import { Document, isMap, isScalar, parse, visit } from 'yaml';
import type { DecisionRecord } from '../../decisions/index.js';
import { ArgumentProfile, emailDomain, urlOrigin, type PathValues } from './argument-profile.js';
import { isLegitimate, isRefused, toolClass } from './decision-facts.js';
import { HOUR_MS, type ReportWindow } from './report-window.js';

/**
 * Recommended policy: what the tenant can publish as is on day eight, derived from the window's
 * traffic, right the first time — it lets the work of the window go on and holds for a person
 * what the window never showed (docs/shadow-trial.md, "Recommended policy").
 *
 * - Legitimate calls are those the policy in force allowed with nothing flagged (outcome
 *   allow, no error). Calls it denied or would have denied are the unsafe ones: they are
 *   never allow-listed and set no limit, so the recommendation denies them.
 * - Each agent gets one allow rule listing the tools of its legitimate calls; a tool it never
 *   used is decided by its risk tier (CEL `risk`: the tenant's `tiers`, raised by what the SDK or
 *   the MCP annotations declare): a read is allowed by a rule of its own (flagged: every such
 *   call names it), a write or destructive tool needs a person's approval.
 * - Limits per agent and tool, over the busiest hour and the busiest minute a legitimate call
 *   saw (every attempt counts, as the engine counts them), with headroom that grows as the
 *   observations shrink; past them a person approves, nothing is denied outright.
 * - Arguments, on the tools that change something: argument names never seen, destinations
 *   (recipients and their domains, payees, accounts, URLs and their hosts, users shared with)
 *   never seen for that agent and tool, and more records in one call than ever seen, need approval.
 * - Everything else is denied (`defaults.effect: deny`), in enforce mode.
 * - The guardrails of the policy in force are kept (its deny rules, limits, freezes,
 *   sequences, credential governance, drift checks, tiers), switched to enforce; its allow rules
 *   are dropped (the allow-lists replace them).
 * Every element carries its basis (what it was learnt from) and a confidence.
 */
export const PEAK_WINDOW = '1h';
export const PEAK_WINDOW_MS = HOUR_MS;
export const BURST_WINDOW = '1m';
export const BURST_WINDOW_MS = 60_000;

/** Observations behind an element: at least `high` is high confidence, at least `medium` medium. */
export const CONFIDENCE = { high: 200, medium: 30 } as const;
/** Hourly headroom by confidence: maxCalls = ceil(peak × factor) + 2. */
export const HOURLY_HEADROOM = { high: 1.5, medium: 2, low: 3 } as const;
/** A list of destinations is recommended when values repeat: calls at least this many times the distinct values. */
export const REPEAT_FACTOR = 2;
/** Exact values are listed when they repeat at least this much (a field that is new on every call, a new lead's email, is no destination list). */
export const EXACT_REPEAT_FACTOR = 1.5;
/** A tool used fewer times than this in the window lists its destinations whether or not they repeat. */
export const RARE_CALLS = 10;
/** Longest list of learnt literals in one condition, and the longest condition (the engine's bound is 1,024 characters, 128 nodes). */
export const MAX_LITERALS = 48;
const MAX_EXPRESSION = 1000;
const MAX_PATTERN = 256;
const MAX_LIST = 850;

export type ConfidenceLevel = 'high' | 'medium' | 'low';

export interface Confidence {
  readonly level: ConfidenceLevel;
  /** The observations (calls) it rests on. */
  readonly observations: number;
}

export type ElementKind = 'allow-list' | 'unseen-read' | 'unseen-change' | 'hourly-limit' | 'burst-limit' | 'records-per-call' | 'argument-names' | 'destinations';

/** One element of the recommendation, with what it is based on and how sure it is. */
export interface RecommendedElement {
  /** The rule or limit id in the document. */
  readonly id: string;
  readonly kind: ElementKind;
  readonly agentId: string;
  /** The tool it is about; absent for an agent's allow-list and unseen-tool rules. */
  readonly tool?: string;
  readonly effect: 'allow' | 'approve';
  /** What it does, for people. */
  readonly summary: string;
  /** What observations it is based on. */
  readonly basis: string;
  readonly confidence: Confidence;
}

export interface CurrentPolicy {
  readonly version: number;
  readonly format: 'yaml' | 'json';
  readonly source: string;
}

export interface AllowList {
  readonly agentId: string;
  readonly ruleId: string;
  readonly tools: readonly string[];
}

export interface PeakLimit {
  readonly agentId: string;
  readonly tool: string;
  readonly limitId: string;
  readonly window: typeof PEAK_WINDOW;
  /** The busiest sliding hour a legitimate call saw, counting every attempt. */
  readonly peak: number;
  /** The same counting legitimate calls only. */
  readonly legitimatePeak: number;
  readonly maxCalls: number;
}

export interface RecommendedPolicy {
  readonly format: 'yaml';
  readonly source: string;
  /** Compiled with the engine enforcers run; false only if something here is wrong. */
  readonly valid: boolean;
  readonly errors: readonly PolicyError[];
  readonly basedOn: {
    readonly legitimateCalls: number;
    readonly excludedCalls: { readonly wouldDeny: number; readonly denied: number; readonly errors: number };
    readonly currentPolicy: { readonly version: number; readonly carried: readonly string[]; readonly dropped: readonly string[] } | null;
  };
  readonly allowLists: readonly AllowList[];
  readonly limits: readonly PeakLimit[];
  /** Every recommended element with its basis and confidence; absent from reports generated before it was added. */
  readonly elements?: readonly RecommendedElement[];
  readonly notes: readonly string[];
}

interface Pair {
  readonly agentId: string;
  readonly tool: string;
  readonly all: number[];
  readonly legitimate: number[];
  readonly args: ArgumentProfile;
}

const ID_CHARS = /[^A-Za-z0-9._:/-]/g;
const MAX_ID = 128;
const MAX_GLOB = 256;
const CEL_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CEL_RESERVED = new Set(['in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while', 'true', 'false', 'null']);

/** One level less sure, on the same observations. */
function lower(c: Confidence): Confidence {
  return { level: c.level === 'high' ? 'medium' : 'low', observations: c.observations };
}

export function confidenceOf(observations: number): Confidence {
  return { level: observations >= CONFIDENCE.high ? 'high' : observations >= CONFIDENCE.medium ? 'medium' : 'low', observations };
}

/** Accumulates the window's decisions (in any order), then derives the recommendation. */
export class PolicyRecommender {
  readonly #pairs = new Map<string, Pair>();
  #legitimate = 0;
  #wouldDeny = 0;
  #denied = 0;
  #errors = 0;

  add(record: DecisionRecord): void {
    const key = `${record.agentId}\u0000${record.tool}`;
    let pair = this.#pairs.get(key);
    if (!pair) this.#pairs.set(key, (pair = { agentId: record.agentId, tool: record.tool, all: [], legitimate: [], args: new ArgumentProfile() }));
    const at = record.decidedAt.getTime();
    pair.all.push(at);
    if (isLegitimate(record)) {
      pair.legitimate.push(at);
      pair.args.add(record.arguments);
      this.#legitimate++;
    } else if (isRefused(record)) this.#errors++;
    else if (record.outcome === 'would_deny') this.#wouldDeny++;
    else this.#denied++;
  }

  recommend(window: ReportWindow, current: CurrentPolicy | undefined): RecommendedPolicy {
    const notes: string[] = [];
    const carried = current ? carryGuardrails(current) : undefined;
    if (current && !carried) notes.push(`The policy in force (version ${current.version}) could not be read back; none of its guardrails are carried over.`);
    const taken = new Set<string>(carried?.ids ?? []);
    const uniqueId = (base: string): string => {
      let id = base.replace(ID_CHARS, '-').slice(0, MAX_ID);
      for (let n = 2; taken.has(id); n++) id = `${base.replace(ID_CHARS, '-').slice(0, MAX_ID - String(n).length - 1)}-${n}`;
      taken.add(id);
      return id;
    };
    const tenantTiers = tiersOf(carried?.sections['tiers']);

    const pairs = [...this.#pairs.values()]
      .filter((p) => p.legitimate.length > 0)
      .sort((a, b) => compare(a.agentId, b.agentId) || compare(a.tool, b.tool));
    const byAgent = new Map<string, Pair[]>();
    for (const p of pairs) byAgent.set(p.agentId, [...(byAgent.get(p.agentId) ?? []), p]);

    const elements: RecommendedElement[] = [];
    const basisOf = new Map<string, RecommendedElement>();
    const element = (e: RecommendedElement): RecommendedElement => {
      elements.push(e);
      basisOf.set(e.id, e);
      return e;
    };
    const describe = (e: RecommendedElement): string => `${e.summary} Basis: ${e.basis} Confidence: ${e.confidence.level} (${e.confidence.observations} observation(s)).`;

    const allowLists: AllowList[] = [];
    const rules: object[] = [];
    const limits: PeakLimit[] = [];
    const limitElements: object[] = [];
    let unlisted = 0;
    for (const [agentId, agentPairs] of byAgent) {
      const calls = agentPairs.reduce((n, p) => n + p.legitimate.length, 0);
      const ruleId = uniqueId(`allow.${agentId}`);
      const tools = agentPairs.map((p) => p.tool);
      allowLists.push({ agentId, ruleId, tools });
      const allow = element({
        id: ruleId,
        kind: 'allow-list',
        agentId,
        effect: 'allow',
        summary: `Allows the ${tools.length} tool(s) ${agentId} used in the shadow window.`,
        basis: `${calls} legitimate call(s) of ${agentId}: ${agentPairs.map((p) => `${p.tool} ×${p.legitimate.length}`).join(', ')}.`,
        confidence: confidenceOf(calls),
      });
      rules.push({ id: ruleId, description: describe(allow), match: { agents: { ids: [agentId] }, tools: tools.map(globOf) }, effect: 'allow', severity: 'low' });

      // A tool the window never showed: by its tier at decision time.
      const seen = literalList(tools);
      const notSeen = seen === undefined ? undefined : ` && !(tool in ${seen})`;
      if (notSeen === undefined || !compiles(`risk != "read"${notSeen}`)) {
        notes.push(`${agentId} used too many tools to list in a condition: a tool it did not use is denied (no unseen-tool rules).`);
        continue;
      }
      const unseenRead = element({
        id: uniqueId(`unseen-read.${agentId}`),
        kind: 'unseen-read',
        agentId,
        effect: 'allow',
        summary: `A read tool ${agentId} did not use in the window is allowed, under this rule (so every such call is flagged by its id).`,
        basis: `The tool's tier at decision time (the tenant's tiers, raised by what the SDK or MCP annotations declare); ${agentId} used ${tools.length} tool(s) in ${calls} call(s).`,
        confidence: confidenceOf(calls),
      });
      rules.push({ id: unseenRead.id, description: describe(unseenRead), match: { agents: { ids: [agentId] } }, when: `risk == "read"${notSeen}`, effect: 'allow', severity: 'low', reason: `read tool not seen in the shadow window: allowed and flagged` });
      const unseenChange = element({
        id: uniqueId(`unseen-change.${agentId}`),
        kind: 'unseen-change',
        agentId,
        effect: 'approve',
        summary: `A write or destructive tool ${agentId} did not use in the window needs a person's approval.`,
        basis: unseenRead.basis,
        confidence: confidenceOf(calls),
      });
      rules.push({
        id: unseenChange.id,
        description: describe(unseenChange),
        match: { agents: { ids: [agentId] } },
        when: `risk != "read"${notSeen}`,
        effect: 'approve',
        severity: 'high',
        reason: `a write or destructive tool ${agentId} never used in the shadow window needs approval`,
      });
    }

    for (const p of pairs) {
      // Only the tenant makes a tool a read (docs/policy.md, "tiers"); a destructive verb in its name makes it destructive.
      const tier = tenantTiers(p.tool) ?? (toolClass(p.tool) === 'destructive' ? 'destructive' : 'write');
      const tierBasis = tenantTiers(p.tool) !== undefined ? `the tenant's tiers say ${tier}` : tier === 'destructive' ? 'its name says destructive' : 'the tenant names no tier for it (write)';
      const all = [...p.all].sort((a, b) => a - b);
      const legitimate = [...p.legitimate].sort((a, b) => a - b);
      const n = legitimate.length;
      const confidence = confidenceOf(n);
      // A fresh object per element: the YAML then holds no anchors and aliases.
      const match = () => ({ agents: { ids: [p.agentId] }, tools: [globOf(p.tool)] });

      const peak = peakSeen(legitimate, all, PEAK_WINDOW_MS);
      const legitimatePeak = peakSeen(legitimate, legitimate, PEAK_WINDOW_MS);
      const maxCalls = Math.ceil(peak * HOURLY_HEADROOM[confidence.level]) + 2;
      const limitId = uniqueId(`peak.${p.agentId}.${p.tool}`);
      limits.push({ agentId: p.agentId, tool: p.tool, limitId, window: PEAK_WINDOW, peak, legitimatePeak, maxCalls });
      const hourly = element({
        id: limitId,
        kind: 'hourly-limit',
        agentId: p.agentId,
        tool: p.tool,
        effect: 'approve',
        summary: `More than ${maxCalls} ${p.tool} call(s) in an hour need approval.`,
        basis: `busiest hour ${peak} call(s) (${legitimatePeak} legitimate) of ${n}; headroom ×${HOURLY_HEADROOM[confidence.level]} + 2 for ${confidence.level} confidence.`,
        confidence,
      });
      limitElements.push({ id: limitId, description: describe(hourly), match: match(), window: { duration: PEAK_WINDOW, maxCalls }, scope: 'agent_tool', effect: 'approve', severity: 'medium', reason: `more ${p.tool} calls in an hour than ${p.agentId} made at its busiest in the shadow window` });

      // The rest is for tools that change something: a read has its hourly limit only.
      if (tier === 'read') continue;
      const burst = peakSeen(legitimate, all, BURST_WINDOW_MS);
      // Bulk damage is a burst of destructive calls: a person sees the third within a minute at the latest.
      const destructiveBurst = Math.min(2, Math.max(1, burst));
      // A destructive call gets no headroom above its busiest minute; the tier is the tenant's or the
      // tool name's when they say destructive, else the one the call declares (CEL `risk`).
      const variants: { when?: string; max: number; why: string }[] =
        tier === 'destructive'
          ? [{ max: destructiveBurst, why: `${tierBasis}: no headroom above it, and at most 2` }]
          : [
              { when: 'risk == "destructive"', max: destructiveBurst, why: 'when the call is declared destructive (CEL risk): no headroom above it, and at most 2' },
              { when: 'risk != "destructive"', max: Math.max(3, Math.ceil(burst * 1.5)), why: `${tierBasis}: headroom ×1.5 (at least 3)` },
            ];
      for (const v of variants) {
        const burstId = uniqueId(`burst.${p.agentId}.${p.tool}${v.when === undefined ? '' : v.when.startsWith('risk ==') ? '.destructive' : '.write'}`);
        const e = element({
          id: burstId,
          kind: 'burst-limit',
          agentId: p.agentId,
          tool: p.tool,
          effect: 'approve',
          summary: `More than ${v.max} ${p.tool} call(s) in a minute${v.when === undefined ? '' : v.when.startsWith('risk ==') ? ', declared destructive,' : ''} need approval.`,
          basis: `busiest minute ${burst} call(s) of ${n}; ${v.why}.`,
          confidence,
        });
        limitElements.push({
          id: burstId,
          description: describe(e),
          match: match(),
          ...(v.when === undefined ? {} : { when: v.when }),
          window: { duration: BURST_WINDOW, maxCalls: v.max },
          scope: 'agent_tool',
          effect: 'approve',
          severity: 'high',
          reason: `a burst of ${p.tool} calls beyond any minute of the shadow window`,
        });
      }
      const args = p.args;
      if (args.withArguments === 0) {
        unlisted++;
        continue;
      }
      const argConfidence = confidenceOf(args.withArguments);
      for (const [key, max] of [...args.records].sort(([a], [b]) => compare(a, b))) {
        if (!CEL_IDENT.test(key)) continue;
        const maxPerCall = Math.max(max * 2, max + 5);
        const id = uniqueId(`records.${p.agentId}.${p.tool}`);
        const e = element({ id, kind: 'records-per-call', agentId: p.agentId, tool: p.tool, effect: 'approve', summary: `A ${p.tool} call touching more than ${maxPerCall} records (${key}) needs approval.`, basis: `at most ${max} record(s) in one call over ${args.withArguments} call(s); headroom ×2 (at least +5).`, confidence: argConfidence });
        limitElements.push({ id, description: describe(e), match: match(), records: `has(args.${key}) && type(args.${key}) == list ? size(args.${key}) : 1`, maxPerCall, scope: 'agent_tool', effect: 'approve', severity: 'critical', reason: `more records in one ${p.tool} call than ever seen in the shadow window` });
      }
      if (!args.keysOverflow) {
        const when = argumentNamesCondition(args);
        if (when !== undefined) {
          const id = uniqueId(`args.${p.agentId}.${p.tool}`);
          const e = element({ id, kind: 'argument-names', agentId: p.agentId, tool: p.tool, effect: 'approve', summary: `A ${p.tool} call with an argument never seen on it needs approval.`, basis: `argument names of ${args.withArguments} call(s): ${[...args.keys].sort(compare).join(', ')}.`, confidence: argConfidence });
          rules.push({ id, description: describe(e), match: match(), when, effect: 'approve', severity: 'high', reason: `an argument ${p.agentId} never passed to ${p.tool} in the shadow window` });
        }
      }
      for (const [path, values] of [...args.destinations].sort(([a], [b]) => compare(a, b))) {
        const learnt = destinationCondition(path, values);
        if (learnt === undefined) {
          notes.push(`${p.agentId} ${p.tool} ${path}: ${values.values.size}${values.overflow ? '+' : ''} distinct value(s) in ${values.calls} call(s), too diverse to list; not checked.`);
          continue;
        }
        const id = uniqueId(`dest.${p.agentId}.${p.tool}.${path}`);
        const e = element({
          id,
          kind: 'destinations',
          agentId: p.agentId,
          tool: p.tool,
          effect: 'approve',
          summary: `A ${p.tool} call whose ${path} is a ${learnt.what} never seen in the window needs approval.`,
          basis: `${learnt.count} ${learnt.what}(s) seen in ${values.calls} call(s): ${learnt.sample}${learnt.count * REPEAT_FACTOR > values.calls ? '; values seldom repeat, so confidence is one level lower' : ''}.`,
          confidence: learnt.count * REPEAT_FACTOR > values.calls ? lower(confidenceOf(values.calls)) : confidenceOf(values.calls),
        });
        rules.push({ id, description: describe(e), match: match(), when: learnt.when, effect: 'approve', severity: 'high', reason: `${path}: ${learnt.what} never seen for ${p.agentId} ${p.tool} in the shadow window` });
      }
    }

    const day = window.to.toISOString().slice(0, 10);
    const document: Record<string, unknown> = {
      apiVersion: POLICY_API_VERSION,
      kind: POLICY_KIND,
      metadata: {
        name: carried?.name ?? 'recommended',
        version: `recommended-${day}`,
        description: `Recommended from the shadow window ${window.from.toISOString()} to ${window.to.toISOString()}, ${this.#legitimate} legitimate calls: per-agent tool allow-lists, unseen tools by tier, limits, and the arguments seen; what the window did not show needs a person's approval; everything else is denied.`,
      },
      defaults: { effect: 'deny', mode: 'enforce' },
    };
    const carriedRules = carried?.sections['rules'] as object[] | undefined;
    const carriedLimits = carried?.sections['limits'] as object[] | undefined;
    const allRules = [...(carriedRules ?? []), ...rules];
    const allLimits = [...(carriedLimits ?? []), ...limitElements];
    if (allRules.length > 0) document['rules'] = allRules;
    if (allLimits.length > 0) document['limits'] = allLimits;
    for (const [section, value] of Object.entries(carried?.sections ?? {})) {
      if (section !== 'rules' && section !== 'limits') document[section] = value;
    }

    const yaml = new Document(document);
    visit(yaml, {
      // Lists of names on one line: `tools: [ crm.read_contacts, crm.update_contact ]`.
      Seq(_, node) {
        if (node.items.every(isScalar)) node.flow = true;
      },
      // Each recommended element opens with its confidence, as a comment.
      Map(_, node) {
        const id = node.get('id');
        const e = typeof id === 'string' && isMap(node) ? basisOf.get(id) : undefined;
        if (e) node.commentBefore = ` ${e.kind}, confidence ${e.confidence.level} (${e.confidence.observations})`;
      },
    });
    yaml.commentBefore = [
      ' Recommended by the Thoth shadow report. Publish it as is (PUT /v1/policy), or replay it first (POST /v1/policy/replays).',
      ' Allow-lists: the tools each agent used; a tool it did not use is allowed if a read (flagged by its rule), else held for approval.',
      ' Limits per agent and tool (busiest hour and minute, with headroom by confidence), argument names, destinations and records per call',
      ' learnt from the window: beyond them a person approves. Calls that were denied or would have been denied are not allow-listed.',
      ' Each element says in its description what it is based on and how confident it is.',
    ].join('\n');
    const source = yaml.toString({ lineWidth: 0 });
    const compiled = compilePolicy(source, { format: 'yaml' });

    notes.push(
      `Calls the policy in force denied (${this.#denied}) or would have denied (${this.#wouldDeny}) are treated as unsafe: they are not allow-listed and set no limit, so this policy denies them.`,
      `Limits per agent and tool: the busiest sliding hour as a legitimate call saw it (every attempt counts) × ${HOURLY_HEADROOM.high} / ${HOURLY_HEADROOM.medium} / ${HOURLY_HEADROOM.low} + 2 for high (≥ ${CONFIDENCE.high} calls) / medium (≥ ${CONFIDENCE.medium}) / low confidence, and for tools that change something the busiest minute; past either a person approves.`,
      'A tool an agent did not use in the window is decided by its tier when called: a read is allowed (and flagged by its rule), a write or destructive tool is held for approval. Agents without a legitimate call in the window are denied everything.',
      'A value used across many distinct records in a short time (one payment method for many orders) is not expressible per value in the policy language; the minute limits and the destination lists cover it where the values are few.',
    );
    if (unlisted > 0) notes.push(`${unlisted} tool(s) that change something had no retained arguments: their argument names and destinations are not checked.`);
    if (this.#errors > 0) notes.push(`${this.#errors} call(s) refused before evaluation (unknown agent, bad arguments…) are ignored.`);
    if (carried) {
      notes.push(
        carried.ids.length > 0
          ? `Kept from policy version ${current!.version}, in enforce mode: ${carried.ids.join(', ')}.`
          : `Policy version ${current!.version} has no guardrails to keep.`,
      );
      if (carried.dropped.length > 0) notes.push(`Dropped from policy version ${current!.version} (the allow-lists replace them): ${carried.dropped.join(', ')}.`);
    }
    if (pairs.some((p) => /[*?]/.test(p.tool) || p.tool.length > MAX_GLOB)) {
      notes.push('Some tool names contain * or ? or are longer than 256 characters: their allow-list globs match a little more than the name itself.');
    }
    if (this.#legitimate === 0) notes.push('No legitimate call was observed: this policy denies every call.');

    return {
      format: 'yaml',
      source,
      valid: compiled.ok,
      errors: compiled.ok ? [] : compiled.errors,
      basedOn: {
        legitimateCalls: this.#legitimate,
        excludedCalls: { wouldDeny: this.#wouldDeny, denied: this.#denied, errors: this.#errors },
        currentPolicy: current && carried ? { version: current.version, carried: carried.ids, dropped: carried.dropped } : null,
      },
      allowLists,
      limits,
      elements,
      notes,
    };
  }
}

/** A CEL list literal of strings, or undefined when too long to keep a condition within the engine's bounds. */
function literalList(values: readonly string[]): string | undefined {
  if (values.length > MAX_LITERALS) return undefined;
  const list = `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  return list.length > MAX_LIST ? undefined : list;
}

/** CEL for a path of argument names (`fields.account_number` → `args.fields.account_number`), with the guards `has` needs. */
function pathOf(path: string): { expr: string; has: string } | undefined {
  const parts = path.split('.');
  if (!parts.every((p) => CEL_IDENT.test(p) && !CEL_RESERVED.has(p))) return undefined;
  if (parts.length === 1) return { expr: `args.${parts[0]}`, has: `has(args.${parts[0]})` };
  return { expr: `args.${parts[0]}.${parts[1]}`, has: `has(args.${parts[0]}) && type(args.${parts[0]}) == map && has(args.${parts[0]}.${parts[1]})` };
}

/** True when a call carries an argument name (top level, or under an object argument) the window never showed. */
function argumentNamesCondition(args: ArgumentProfile): string | undefined {
  const top = literalList([...args.keys].sort(compare));
  if (top === undefined) return undefined;
  const parts = [`!args.all(k, k in ${top})`];
  for (const [key, under] of [...args.nested].sort(([a], [b]) => compare(a, b))) {
    if (under === null || under.size === 0 || !CEL_IDENT.test(key) || CEL_RESERVED.has(key)) continue;
    const inner = literalList([...under].sort(compare));
    if (inner === undefined) continue;
    const part = `(has(args.${key}) && type(args.${key}) == map && !args.${key}.all(k, k in ${inner}))`;
    if (!compiles([...parts, part].join(' || '))) break;
    parts.push(part);
  }
  const when = parts.join(' || ');
  return compiles(when) ? when : undefined;
}

/**
 * The condition under which a destination is new: the exact values when they are few and
 * repeat, else their email domains or URL origins when those are; undefined when neither.
 */
function destinationCondition(path: string, seen: PathValues): { when: string; what: string; count: number; sample: string } | undefined {
  const p = pathOf(path);
  if (!p || seen.shape === 'mixed' || seen.overflow || seen.values.size === 0) return undefined;
  const values = [...seen.values].sort(compare);
  const sample = (items: readonly string[]) => `${items.slice(0, 5).join(', ')}${items.length > 5 ? `, … (${items.length})` : ''}`;
  // A rarely used tool holds its few calls with a new destination whatever; a busy one only when its values repeat.
  const rare = seen.calls < RARE_CALLS;
  const repeats = (distinct: number) => rare || seen.calls >= REPEAT_FACTOR * distinct;
  const fits = (when: string) => (compiles(when) ? when : undefined);

  const exact = literalList(values);
  if (exact !== undefined && (rare || seen.calls >= EXACT_REPEAT_FACTOR * values.length)) {
    const test = seen.shape === 'string' ? `${p.expr} in ${exact}` : `${p.expr}.all(v, v in ${exact})`;
    const when = fits(`${p.has} && !(type(${p.expr}) == ${seen.shape === 'string' ? 'string' : 'list'} && ${test})`);
    if (when) return { when, what: 'value', count: values.length, sample: sample(values) };
  }
  const domains = values.map(emailDomain);
  if (domains.every((d) => d !== undefined)) {
    const distinct = [...new Set(domains)].sort(compare);
    const pattern = `^[^@]+@(?:${distinct.map(escapeRegex).join('|')})$`;
    if (repeats(distinct.length) && distinct.length <= MAX_LITERALS && pattern.length <= MAX_PATTERN) {
      const re = JSON.stringify(`(?i)${pattern}`);
      const test = seen.shape === 'string' ? `${p.expr}.matches(${re})` : `${p.expr}.all(v, v.matches(${re}))`;
      const when = fits(`${p.has} && !(type(${p.expr}) == ${seen.shape === 'string' ? 'string' : 'list'} && ${test})`);
      if (when) return { when, what: 'email domain', count: distinct.length, sample: sample(distinct) };
    }
    const list = literalList(distinct);
    if (repeats(distinct.length) && list !== undefined && seen.shape === 'string') {
      const when = fits(`${p.has} && !(type(${p.expr}) == string && ${list}.exists(d, ${p.expr}.endsWith("@" + d)))`);
      if (when) return { when, what: 'email domain', count: distinct.length, sample: sample(distinct) };
    }
    return undefined;
  }
  const origins = values.map(urlOrigin);
  if (origins.every((o) => o !== undefined) && seen.shape === 'string') {
    const distinct = [...new Set(origins)].sort(compare);
    const list = literalList(distinct);
    if (repeats(distinct.length) && list !== undefined) {
      const when = fits(`${p.has} && !(type(${p.expr}) == string && ${list}.exists(o, ${p.expr} == o || ${p.expr}.startsWith(o + "/") || ${p.expr}.startsWith(o + "?") || ${p.expr}.startsWith(o + "#")))`);
      if (when) return { when, what: 'URL host', count: distinct.length, sample: sample(distinct) };
    }
  }
  return undefined;
}

/** A condition within the engine's bounds (length, nodes, depth), compiled as the enforcers will. */
function compiles(when: string): boolean {
  if (when.length > MAX_EXPRESSION) return false;
  let ok = compiled.get(when);
  if (ok === undefined) {
    const probe = { apiVersion: POLICY_API_VERSION, kind: POLICY_KIND, metadata: { name: 'probe', version: '1' }, defaults: { effect: 'deny' }, rules: [{ id: 'probe', when, effect: 'approve' }] };
    ok = compilePolicy(probe).ok;
    if (compiled.size >= 1_000) compiled.clear();
    compiled.set(when, ok);
  }
  return ok;
}

/** Conditions already probed (the same ones come back report after report). */
const compiled = new Map<string, boolean>();

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** The tenant's `tiers` (the policy in force) as a lookup: the highest tier whose globs name the tool. */
function tiersOf(section: unknown): (tool: string) => 'read' | 'write' | 'destructive' | undefined {
  const RANK = { read: 0, write: 1, destructive: 2 } as const;
  const entries: { re: RegExp; tier: 'read' | 'write' | 'destructive' }[] = [];
  if (Array.isArray(section)) {
    for (const entry of section as Array<Record<string, unknown>>) {
      const tier = entry?.['tier'];
      const tools = entry?.['tools'];
      if ((tier !== 'read' && tier !== 'write' && tier !== 'destructive') || !Array.isArray(tools)) continue;
      for (const glob of tools) if (typeof glob === 'string') entries.push({ re: globRegex(glob), tier });
    }
  }
  return (tool) => {
    let best: 'read' | 'write' | 'destructive' | undefined;
    for (const e of entries) if (e.re.test(tool) && (best === undefined || RANK[e.tier] > RANK[best])) best = e.tier;
    return best;
  };
}

/** The engine's glob: `*` any run of characters, `?` one, the rest literal. */
function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[\\^$.+()[\]{}|]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
}

/**
 * For each of `at` (sorted), the number of `all` (sorted) in the half-open hour (t − window, t];
 * the largest. The engine's windows hold slightly less than that (their oldest bucket leaves
 * early), so a limit at this count never trips on the same traffic.
 */
export function peakSeen(at: readonly number[], all: readonly number[], windowMs: number): number {
  let peak = 0;
  let lo = 0;
  let hi = 0;
  for (const t of at) {
    while (hi < all.length && all[hi]! <= t) hi++;
    while (lo < hi && all[lo]! <= t - windowMs) lo++;
    peak = Math.max(peak, hi - lo);
  }
  return peak;
}

/** A tool name as a glob matching it (globs have no escapes; `*` and `?` in a name widen it a little). */
function globOf(tool: string): string {
  return tool.length > MAX_GLOB ? `${tool.slice(0, MAX_GLOB - 1)}*` : tool;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ELEMENT_SECTIONS = ['rules', 'limits', 'freezes', 'sequences'] as const;

/** The guardrails of the policy in force: every section but its allow rules, shadow modes switched to enforce. */
function carryGuardrails(current: CurrentPolicy): { name: string | undefined; sections: Record<string, unknown>; ids: string[]; dropped: string[] } | undefined {
  let doc: unknown;
  try {
    doc = current.format === 'json' ? JSON.parse(current.source) : parse(current.source);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const source = doc as Record<string, unknown>;
  const sections: Record<string, unknown> = {};
  const ids: string[] = [];
  const dropped: string[] = [];
  for (const [section, value] of Object.entries(source)) {
    if (['apiVersion', 'kind', 'metadata', 'defaults'].includes(section)) continue;
    if ((ELEMENT_SECTIONS as readonly string[]).includes(section) && Array.isArray(value)) {
      const kept: unknown[] = [];
      for (const element of value as Array<Record<string, unknown>>) {
        if (section === 'rules' && element['effect'] === 'allow') {
          dropped.push(String(element['id']));
          continue;
        }
        const { mode: _mode, ...enforced } = element;
        kept.push(enforced);
        ids.push(String(element['id']));
      }
      if (kept.length > 0) sections[section] = kept;
    } else if (section === 'credentials' && value !== null && typeof value === 'object') {
      const { mode: _mode, ...enforced } = value as Record<string, unknown>;
      sections[section] = enforced;
      ids.push('credentials');
    } else {
      sections[section] = value;
      ids.push(section);
    }
  }
  const metadata = source['metadata'] as Record<string, unknown> | undefined;
  return { name: typeof metadata?.['name'] === 'string' ? metadata['name'] : undefined, sections, ids, dropped };
}
