import { compilePolicy, POLICY_API_VERSION, POLICY_KIND, type PolicyError } from '@thoth/policy';
import { Document, isScalar, parse, visit } from 'yaml';
import type { DecisionRecord } from '../../decisions/index.js';
import { isLegitimate, isRefused } from './decision-facts.js';
import { HOUR_MS, type ReportWindow } from './report-window.js';

/**
 * Recommended policy: what the tenant can publish as is, derived from the window's traffic.
 *
 * - Legitimate calls are those the policy in force allowed with nothing flagged (outcome
 *   allow, no error). Calls it denied or would have denied are the unsafe ones: they are
 *   never allow-listed and set no limit, so the recommendation denies them.
 * - Each agent gets one allow rule listing exactly the tools of its legitimate calls.
 * - Each agent and tool gets a limit just above its peak: for every legitimate call, the calls
 *   of that agent and tool (every attempt, as the engine counts them) in the sliding hour
 *   ending with it; the largest such count times 1.2, rounded up, is `maxCalls` per hour.
 * - Everything else is denied (`defaults.effect: deny`), in enforce mode.
 * - The guardrails of the policy in force are kept (its deny rules, limits, freezes,
 *   sequences, credential governance, drift checks), switched to enforce; its allow rules are
 *   dropped (the allow-lists replace them).
 */
export const PEAK_WINDOW = '1h';
export const PEAK_WINDOW_MS = HOUR_MS;
/** maxCalls = ceil(peak × 6/5). */
export const HEADROOM = { numerator: 6, denominator: 5 } as const;

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
  readonly notes: readonly string[];
}

interface Pair {
  readonly agentId: string;
  readonly tool: string;
  readonly all: number[];
  readonly legitimate: number[];
}

const ID_CHARS = /[^A-Za-z0-9._:/-]/g;
const MAX_ID = 128;
const MAX_GLOB = 256;

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
    if (!pair) this.#pairs.set(key, (pair = { agentId: record.agentId, tool: record.tool, all: [], legitimate: [] }));
    const at = record.decidedAt.getTime();
    pair.all.push(at);
    if (isLegitimate(record)) {
      pair.legitimate.push(at);
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

    const pairs = [...this.#pairs.values()]
      .filter((p) => p.legitimate.length > 0)
      .sort((a, b) => compare(a.agentId, b.agentId) || compare(a.tool, b.tool));
    const byAgent = new Map<string, Pair[]>();
    for (const p of pairs) byAgent.set(p.agentId, [...(byAgent.get(p.agentId) ?? []), p]);

    const allowLists: AllowList[] = [];
    const rules: object[] = [];
    for (const [agentId, agentPairs] of byAgent) {
      const ruleId = uniqueId(`allow.${agentId}`);
      const tools = agentPairs.map((p) => p.tool);
      allowLists.push({ agentId, ruleId, tools });
      rules.push({
        id: ruleId,
        description: `The tools ${agentId} used in the shadow window.`,
        match: { agents: { ids: [agentId] }, tools: tools.map(globOf) },
        effect: 'allow',
        severity: 'low',
      });
    }

    const limits: PeakLimit[] = [];
    const limitElements: object[] = [];
    for (const p of pairs) {
      const all = [...p.all].sort((a, b) => a - b);
      const legitimate = [...p.legitimate].sort((a, b) => a - b);
      const peak = peakSeen(legitimate, all, PEAK_WINDOW_MS);
      const legitimatePeak = peakSeen(legitimate, legitimate, PEAK_WINDOW_MS);
      const maxCalls = Math.ceil((peak * HEADROOM.numerator) / HEADROOM.denominator);
      const limitId = uniqueId(`peak.${p.agentId}.${p.tool}`);
      limits.push({ agentId: p.agentId, tool: p.tool, limitId, window: PEAK_WINDOW, peak, legitimatePeak, maxCalls });
      limitElements.push({
        id: limitId,
        description: `At its busiest, ${p.agentId} made ${peak} ${p.tool} call(s) in one hour (${legitimatePeak} legitimate).`,
        match: { agents: { ids: [p.agentId] }, tools: [globOf(p.tool)] },
        window: { duration: PEAK_WINDOW, maxCalls },
        scope: 'agent_tool',
        severity: 'medium',
        reason: `More ${p.tool} calls in an hour than ${p.agentId} made at its busiest in the shadow window.`,
      });
    }

    const day = window.to.toISOString().slice(0, 10);
    const document: Record<string, unknown> = {
      apiVersion: POLICY_API_VERSION,
      kind: POLICY_KIND,
      metadata: {
        name: carried?.name ?? 'recommended',
        version: `recommended-${day}`,
        description: `Recommended from the shadow window ${window.from.toISOString()} to ${window.to.toISOString()}: per-agent tool allow-lists and hourly limits from ${this.#legitimate} legitimate calls; everything else is denied.`,
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
    // Lists of names on one line: `tools: [ crm.read_contacts, crm.update_contact ]`.
    visit(yaml, {
      Seq(_, node) {
        if (node.items.every(isScalar)) node.flow = true;
      },
    });
    yaml.commentBefore = [
      ' Recommended by the Thoth shadow report. Publish it as is (PUT /v1/policy), or replay it first (POST /v1/policy/replays).',
      ` Allow-lists: the tools each agent used in allowed calls. Limits: the busiest hour per agent and tool x ${HEADROOM.numerator}/${HEADROOM.denominator}, rounded up.`,
      ' Calls that were denied or would have been denied are not allow-listed. Everything else is denied.',
    ].join('\n');
    const source = yaml.toString({ lineWidth: 0 });
    const compiled = compilePolicy(source, { format: 'yaml' });

    notes.push(
      `Calls the policy in force denied (${this.#denied}) or would have denied (${this.#wouldDeny}) are treated as unsafe: they are not allow-listed and set no limit, so this policy denies them.`,
      `Limits: for each agent and tool, the busiest sliding hour as a legitimate call saw it (every attempt counts, as the engine counts them), times ${HEADROOM.numerator}/${HEADROOM.denominator}, rounded up.`,
      'Everything not allow-listed is denied (defaults.effect: deny), in enforce mode; agents without a legitimate call in the window are denied everything.',
    );
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
      notes,
    };
  }
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
