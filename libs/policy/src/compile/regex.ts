/**
 * The regular-expression engine of CEL's `matches()`: re2js, the JavaScript port of RE2
 * (via RE2J and Go's regexp), so matching is linear in the input and the syntax is RE2's,
 * as CEL specifies. Patterns run on agent-controlled strings in an enforcer every tenant
 * shares; JavaScript's backtracking RegExp took 102 s for `.*DROP.*TABLE` on 10,000
 * characters here (`TABLE `, then `DROP ` repeated), and `.*a.*a.*a.*b` 10 s on 200.
 *
 * Chosen by measurement on this machine (Node 24, 2 shared cores; short input: 200,000
 * tests after warm-up; 256 KiB: median of 15, the input built to defeat each engine's
 * literal prefilter, so the whole of it is scanned):
 *
 *   pattern, input                         re2js 2.10.0   rregex 1.13.1   re2-wasm 1.0.2
 *   ^crm\. on a tool name                    781 ns        176 ns         2,604 ns
 *   [0-9]{3}-[0-9]{4} in a sentence          335 ns        246 ns         3,365 ns
 *   ^(read|write|delete)_[a-z]+$           1,002 ns        144 ns         2,410 ns
 *   (?i)drop\s+table in SQL                  363 ns        275 ns         3,347 ns
 *   .*DROP.*TABLE, 256 KiB                  3.2 ms        2.3 ms          4.6 ms
 *   .*a.*a.*a.*b, 256 KiB                   3.1 ms        2.3 ms          4.5 ms
 *   (a+)+$, 256 KiB                         3.1 ms        1.7 ms          2.1 ms
 *   [ab]*a[ab]{100}c, 256 KiB               9.2 ms        2.3 ms          ~25 s
 *   (?:.{0,50}a){5}Z, 256 KiB               2.0 s         1.5 s        (not run)
 * (RegExp: 32-92 ns on the short inputs; @adguard/re2-wasm 1.2.0 measured like re2-wasm;
 * re2js at its default DFA memory, which DFA_MEMORY_BYTES below lowers: the last two rows
 * then take 0.35 s and seconds, and are cut by the budget.)
 * Linear is not cheap: a pattern that defeats the DFA falls back to simulating the NFA,
 * whose cost per character grows with the pattern, so a 256-character pattern can still
 * take seconds on 256 KiB in every engine. Only re2js can be stopped part-way — the
 * WebAssembly engines run to the end of the call — so it is the one that keeps a decision
 * within its evaluation budget (decide/budget.ts): a long match asks `spent()` as it steps
 * through the input and throws `BudgetExceeded`. It is also pure JavaScript, so it runs
 * wherever libs/policy does (the SDK included), its syntax is RE2's exactly (rregex is Rust's
 * regex dialect and loads its WebAssembly asynchronously), and it is maintained (releases
 * every few weeks, 700k downloads a month; re2-wasm has had none since 1.0.2).
 */
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { BudgetExceeded, spent } from '../decide/budget.js';
import { Interner } from './intern.js';

/** Longest `matches()` pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 256;

/**
 * Instruction-steps between two looks at the clock: a step of the NFA costs about 15 ns per
 * instruction of the program here, so the clock is read at least every ~0.25 ms, and only
 * once per ~10 µs of a DFA scan (whose steps are cheap).
 */
const WORK_BETWEEN_CHECKS = 16_384;
/**
 * How long before the deadline a match stops: two of the intervals above, so that the match,
 * unwinding through CEL and the rest of the decision still end within the budget.
 */
const STOP_MARGIN_MS = 0.5;

/**
 * Memory for one pattern's cache of DFA states, as re2js estimates it (its default is 8 MB).
 * The cache lives as long as the pattern and there is no bound across patterns: at 8 MB, a
 * policy of a thousand patterns whose states outgrow any cache (`[ab]*a[ab]{20}c`), fed
 * inputs that fill them, held gigabytes (5.4 MB of heap each, measured). The patterns of
 * ordinary policies, and those of the issue, need a few kilobytes; the others fall back to
 * the NFA simulation sooner, which the evaluation budget bounds.
 */
const DFA_MEMORY_BYTES = 64 * 1024;

/** re2js's RE2Flags.UNANCHORED: search anywhere in the input. */
const RE2JS_UNANCHORED = 0;

type Engine = ReturnType<RE2JS['re2']>;
type Dfa = Engine['lazyDFA'];
type DfaClass = new (program: Engine['prog'], maxMemory: number) => Dfa;
interface MachineInput {
  step(pos: number): number;
}
type MachineInputClass = new (input: string) => MachineInput;

/**
 * re2js's UTF-16 input (not exported): every engine of it (DFA, one-pass, backtracker, NFA)
 * reads the input one `step` at a time, which is where a budgeted input can stop it. Taken
 * from the input re2js builds for a match.
 */
const Utf16Input: MachineInputClass = (() => {
  const probe = RE2JS.compile('x').re2();
  let found: MachineInputClass | undefined;
  probe.executeEngine = (input: MachineInput) => {
    found = input.constructor as MachineInputClass;
    return null;
  };
  probe.match('x');
  if (found === undefined) throw new Error('re2js no longer matches through executeEngine; see libs/policy/src/compile/regex.ts');
  return found;
})();

/** An input that throws `BudgetExceeded` once the decision's budget is spent, checked every `every` steps. */
class BudgetedInput extends Utf16Input {
  #countdown: number;

  constructor(
    input: string,
    private readonly every: number,
  ) {
    super(input);
    this.#countdown = every;
  }

  override step(pos: number): number {
    if (--this.#countdown === 0) {
      this.#countdown = this.every;
      if (spent(STOP_MARGIN_MS)) throw new BudgetExceeded('the evaluation budget was spent in matches()');
    }
    return super.step(pos);
  }
}

/** A compiled `matches()` pattern. Immutable to its users; re2js caches DFA states inside. */
export class Pattern {
  readonly #engine: Engine;
  readonly #instructions: number;

  constructor(readonly source: string, compiled: RE2JS) {
    this.#engine = compiled.re2();
    this.#instructions = Math.max(1, this.#engine.numberOfInstructions() as number);
    // re2js makes its DFA on first use, with its default memory; ours replaces it before any.
    const Dfa = this.#engine.dfa.constructor as DfaClass;
    this.#engine.lazyDFA = new Dfa(this.#engine.prog, DFA_MEMORY_BYTES);
  }

  /** CEL `matches()`: true when the pattern matches any substring of `text` (unanchored, RE2 semantics). */
  test(text: string): boolean {
    // Short enough that even the NFA finishes in well under a millisecond: no clock.
    if (text.length * this.#instructions <= WORK_BETWEEN_CHECKS) return this.#engine.match(text);
    if (spent(STOP_MARGIN_MS)) throw new BudgetExceeded('the evaluation budget was spent before matches()');
    const input = new BudgetedInput(text, Math.max(1, Math.floor(WORK_BETWEEN_CHECKS / this.#instructions)));
    return this.#engine.executeEngine(input, 0, RE2JS_UNANCHORED, 0) !== null;
  }

  /** The pattern as written, wherever cel-js prints the literal. */
  toString(): string {
    return this.source;
  }
}

export type PatternResult = { ok: true; pattern: Pattern } | { ok: false; message: string };

/** Compiled patterns by source: the same pattern in many rules or tenants is compiled, and its DFA states are cached, once. */
const compiledPatterns = new Interner<Pattern>();

/** Compiles a `matches()` pattern, or says precisely why it cannot run. */
export function compilePattern(source: string): PatternResult {
  if (source.length > MAX_PATTERN_LENGTH) return { ok: false, message: `matches() pattern is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}` };
  const found = compiledPatterns.get(source);
  if (found !== undefined) return { ok: true, pattern: found };
  try {
    const compiled = RE2JS.compile(source);
    return { ok: true, pattern: compiledPatterns.intern(source, () => new Pattern(source, compiled)) };
  } catch (e) {
    if (!(e instanceof RE2JSSyntaxException)) throw e;
    const construct = backtrackingConstruct(e.input ?? '');
    if (construct !== undefined) return { ok: false, message: `matches() pattern uses ${construct}, which needs a backtracking engine; RE2 refuses it so that matching stays linear in the input` };
    return { ok: false, message: `matches() pattern is not valid RE2 syntax: ${e.getDescription()}${e.input === null ? '' : `: \`${e.input}\``}` };
  }
}

/**
 * Names the backtracking-only construct at the text RE2 refused, so that the refusal says
 * what to change rather than "invalid or unsupported Perl syntax" or "invalid escape sequence".
 */
function backtrackingConstruct(refused: string): string | undefined {
  if (refused.startsWith('(?=')) return 'a lookahead (?=…)';
  if (refused.startsWith('(?!')) return 'a negative lookahead (?!…)';
  if (refused.startsWith('(?<=')) return 'a lookbehind (?<=…)';
  if (refused.startsWith('(?<!')) return 'a negative lookbehind (?<!…)';
  if (refused.startsWith('(?>')) return 'an atomic group (?>…)';
  if (/^\\[1-9]/.test(refused)) return `a backreference (${refused})`;
  if (refused === '\\k') return 'a named backreference (\\k<…>)';
  if (/^[*+?}][+]$/.test(refused)) return `a possessive quantifier (${refused})`;
  return undefined;
}
