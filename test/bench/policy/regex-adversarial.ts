// The pathological `matches()` patterns of the red-team issue (item 3), each in a policy of
// its own, against a 256 KiB argument built to be its worst case: no match, so the engine
// reads all of it, and whatever literal the pattern needs present, so no prefilter skips
// the scan. decide() runs as the enforcer runs it, within the policy's evaluation budget
// (5 ms by default): a match that outlasts it is cut, and counted. Cedar's `like` (globs, its nearest thing to a regex) runs where a pattern is one.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { compilePolicy, decide, WindowState, type CompiledPolicy, type DecisionRequest } from '@thoth/policy';
import { compilePattern } from '../../../libs/policy/src/compile/regex.js';
import { measureLatency, type BenchReport, type LatencySummary } from '../lib/results.js';
import { BENCH_NOW_MS } from './tenant-policy.js';
import { BENCH_TENANT } from './thoth-policy.js';

/** The enforcer's largest argument (DEFAULT_MAX_ARGUMENTS_BYTES): `{"text":"…"}` is this long. */
const ARGUMENT_BYTES = 256 * 1024;
const TEXT_CHARS = ARGUMENT_BYTES - '{"text":""}'.length;

const fill = (head: string, unit: string, tail = '') => {
  const room = TEXT_CHARS - head.length - tail.length;
  return `${head}${unit.repeat(Math.ceil(room / unit.length)).slice(0, room)}${tail}`;
};

/** `n` times `rare`, evenly spaced, in `common`. */
const spaced = (rare: string, n: number, common: string) => {
  const every = Math.floor(TEXT_CHARS / n);
  return Array.from({ length: TEXT_CHARS }, (_, i) => (i % every === 0 && i / every < n ? rare : common)).join('');
};

/** `a` and `b` in an order no DFA cache keeps up with (a fixed linear congruential sequence). */
function scrambled(n: number): string {
  let x = 7;
  return Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) & 0x10000 ? 'a' : 'b')).join('');
}

interface AdversarialCase {
  readonly slug: string;
  readonly pattern: string;
  readonly text: string;
  /** The same test as a Cedar `like` glob, where there is one. */
  readonly like?: string;
}

/** The issue's patterns, and the ones the old screen refused that RE2 now runs. */
const ISSUE_CASES: readonly AdversarialCase[] = [
  { slug: 'drop_table', pattern: '.*DROP.*TABLE', text: fill('TABLE ', 'DROP '), like: '*DROP*TABLE*' },
  { slug: 'a_a_a_b', pattern: '.*a.*a.*a.*b', text: fill('b', 'a'), like: '*a*a*a*b*' },
  { slug: 'nested_plus', pattern: '(a+)+$', text: fill('', 'a', '!') },
  { slug: 'overlapping_alternation', pattern: '(a|aa)+b', text: fill('b', 'a') },
  { slug: 'counted_star', pattern: '(.*a){12}', text: spaced('a', 11, 'b') },
  { slug: 'word_boundaries', pattern: '\\bDROP\\b.*\\bTABLE\\b', text: fill('TABLE ', 'DROPS ') },
];

/** Beyond the issue: a pattern whose DFA states outgrow the cache, so the NFA simulation runs it (cost per character grows with the pattern). */
export const DFA_HOSTILE: AdversarialCase = { slug: 'dfa_hostile', pattern: '(?:.{0,50}a){5}Z', text: `Z${scrambled(TEXT_CHARS - 1)}` };

function policyFor(c: AdversarialCase): CompiledPolicy {
  const result = compilePolicy({
    apiVersion: 'thoth.dev/policy/v1',
    kind: 'Policy',
    metadata: { name: `regex-${c.slug}`, version: '1' },
    defaults: { effect: 'allow' },
    rules: [{ id: c.slug, match: { tools: ['db.query'] }, effect: 'deny', when: `has(args.text) && args.text.matches(${JSON.stringify(c.pattern)})` }],
  });
  if (!result.ok) throw new Error(`${c.pattern} does not compile: ${JSON.stringify(result.errors)}`);
  return result.policy;
}

const requestFor = (c: AdversarialCase): DecisionRequest => ({ tenantId: BENCH_TENANT, agent: { id: 'sql-agent' }, tool: 'db.query', args: { text: c.text } });

export interface AdversarialRow {
  readonly slug: string;
  readonly pattern: string;
  readonly thoth: LatencySummary;
  /** Share of the decisions whose match decide() stopped at the evaluation budget. */
  readonly cutRatio: number;
  readonly cedar?: LatencySummary;
}

const OPTIONS = { warmup: 20, samples: 2_000, minSamples: 100, budgetMs: 3_000 };

/** Times a full decide() per case; adds `policy.regex_adversarial.p99_us`, the worst case's p99. */
export function benchRegexAdversarial(report: BenchReport): AdversarialRow[] {
  if (new TextEncoder().encode(JSON.stringify({ text: ISSUE_CASES[0]!.text })).length !== ARGUMENT_BYTES) throw new Error('the argument is not 256 KiB');
  const rows: AdversarialRow[] = [];
  for (const c of ISSUE_CASES) {
    const policy = policyFor(c);
    const request = requestFor(c);
    const state = new WindowState();
    // Allowed (no match), unless decide() cut the match at its evaluation budget: counted.
    let calls = 0;
    let cut = 0;
    const decideOnce = () => {
      const d = decide(policy, request, state, BENCH_NOW_MS);
      calls++;
      if (d.error?.code === 'budget.exceeded') cut++;
      else if (d.effect !== 'allow' || d.error !== undefined) throw new Error(`${c.pattern}: the worst-case argument must not match (${JSON.stringify(d.error ?? d.matched)})`);
      return d;
    };
    decideOnce();
    const thoth = measureLatency(decideOnce, OPTIONS);
    report.addLatency(`thoth.regex_adversarial.${c.slug}`, thoth);
    report.add(`thoth.regex_adversarial.${c.slug}.budget_cut_ratio`, cut / calls, 'ratio');
    let theirs: LatencySummary | undefined;
    if (c.like !== undefined) {
      const id = `regex-${c.slug}`;
      const parsed = cedar.preparsePolicySet(id, { staticPolicies: `permit(principal, action, resource);\nforbid(principal, action, resource) when { context.text like ${JSON.stringify(c.like)} };` });
      if (parsed.type !== 'success') throw new Error(`Cedar policy does not parse: ${JSON.stringify(parsed.errors)}`);
      const call = {
        principal: { type: 'Agent', id: 'sql-agent' },
        action: { type: 'Action', id: 'db.query' },
        resource: { type: 'Resource', id: 'db' },
        context: { text: c.text },
        entities: [],
        preparsedPolicySetId: id,
      };
      const answer = cedar.statefulIsAuthorized(call);
      if (answer.type !== 'success' || answer.response.decision !== 'allow') throw new Error(`Cedar disagrees on ${c.like}: ${JSON.stringify(answer)}`);
      theirs = measureLatency(() => cedar.statefulIsAuthorized(call), OPTIONS);
      report.addLatency(`cedar.regex_adversarial.${c.slug}`, theirs);
    }
    rows.push({ slug: c.slug, pattern: c.pattern, thoth, cutRatio: cut / calls, ...(theirs ? { cedar: theirs } : {}) });
  }
  report.add('policy.regex_adversarial.p99_us', Math.max(...rows.map((r) => r.thoth.p99Us)), 'us');
  return rows;
}

/**
 * The DFA-hostile pattern: its match alone, outside any decision (what the budget saves), and
 * a full decide(), whose evaluation budget (5 ms by default) stops the match part-way; the rule
 * then fails by the fail mode.
 */
export function benchDfaHostile(report: BenchReport): { matchAloneMs: number; decided: LatencySummary; error: string } {
  const compiled = compilePattern(DFA_HOSTILE.pattern);
  if (!compiled.ok) throw new Error(compiled.message);
  const runs = 3;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) compiled.pattern.test(DFA_HOSTILE.text);
  const matchAloneMs = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  report.add(`thoth.regex_${DFA_HOSTILE.slug}.match_alone.mean_ms`, matchAloneMs, 'ms');
  const policy = policyFor(DFA_HOSTILE);
  const request = requestFor(DFA_HOSTILE);
  const state = new WindowState();
  const error = decide(policy, request, state, BENCH_NOW_MS).error?.code ?? 'none';
  const decided = measureLatency(() => decide(policy, request, state, BENCH_NOW_MS), { ...OPTIONS, samples: 500 });
  report.addLatency(`thoth.regex_${DFA_HOSTILE.slug}.decide`, decided);
  return { matchAloneMs, decided, error };
}
