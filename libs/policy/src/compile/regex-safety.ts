/**
 * Compile-time screening of `matches()` patterns (`cel.unsafe_regex`).
 *
 * cel-js runs `matches()` with the JavaScript `RegExp`, a backtracking engine, on
 * agent-controlled strings inside a shared enforcer: one catastrophic pattern such as
 * `(a+)+$` stalls decisions for every tenant. Two checks, both conservative:
 *
 * - `safe-regex2` (fastify): rejects nested quantifiers (star height > 1, e.g. `(a+)+`,
 *   `(.*a){12}`) and more than {@link MAX_QUANTIFIERS} quantifiers in one pattern.
 * - Ours, on the `ret` parse safe-regex2 uses: inside a repeated group every alternation
 *   must be decided by its next character — branches may not be empty or start with a
 *   character another branch can start with (`(a|aa)+`, `(\w|\d)*`), which star height
 *   alone lets through.
 *
 * With both, each pass of a loop can match a given input one way only, so backtracking
 * is bounded by a polynomial in the input length, never exponential.
 */
import safeRegex from 'safe-regex2';
// ret is CommonJS whose module.exports is the tokenizer itself: the namespace form is the
// one that means the same under Node, Vitest and bundlers.
import * as ret from 'ret';
import type { Root, Token } from 'ret';

const { types } = ret;
// Its typings describe an `exports.default`, but module.exports is the tokenizer itself,
// which is what a namespace's `default` holds at run time.
const tokenize = (ret as unknown as { default: typeof ret.tokenizer }).default;

/** Longest `matches()` pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 256;
/** Most quantifiers (`*`, `+`, `?`, `{m,n}`) in one pattern. */
export const MAX_QUANTIFIERS = 10;

/** Why `pattern` may not run in the enforcer, or undefined when it may. */
export function unsafePatternReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `matches() pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  try {
    new RegExp(pattern);
  } catch (e) {
    return `matches() pattern is not a valid regular expression: ${(e as Error).message}`;
  }
  let root: Token | Root;
  try {
    root = tokenize(pattern);
  } catch {
    return 'matches() pattern uses syntax the ReDoS check cannot analyse';
  }
  if (!safeRegex(pattern, { limit: MAX_QUANTIFIERS })) {
    return `matches() pattern can backtrack catastrophically (a quantifier inside a quantifier, or more than ${MAX_QUANTIFIERS} quantifiers)`;
  }
  if (ambiguousLoop(root, false)) return 'matches() pattern can backtrack catastrophically (a repeated alternation whose branches can start alike)';
  return undefined;
}

/** A character class as inclusive code-point ranges; `any` when it is too wide to reason about (negated classes, back-references). */
type First = { any: boolean; ranges: [number, number][] };

function children(t: Token | Root): Token[][] {
  if (t.type === types.ROOT || t.type === types.GROUP) return t.options ?? (t.stack === undefined ? [] : [t.stack]);
  if (t.type === types.REPETITION) return [[t.value]];
  return [];
}

function ambiguousLoop(t: Token | Root, inLoop: boolean): boolean {
  const loop = inLoop || (t.type === types.REPETITION && t.max > 1);
  if (loop && (t.type === types.GROUP || t.type === types.ROOT) && t.options !== undefined && overlapping(t.options)) return true;
  return children(t).some((seq) => seq.some((c) => ambiguousLoop(c, loop)));
}

function overlapping(options: Token[][]): boolean {
  const firsts: First[] = [];
  for (const branch of options) {
    const f: First = { any: false, ranges: [] };
    if (sequenceFirst(branch, f)) return true; // a branch that can match nothing
    for (const g of firsts) if (intersects(f, g)) return true;
    firsts.push(f);
  }
  return false;
}

/** Adds the characters `seq` can start with to `into`; true when `seq` can match the empty string. */
function sequenceFirst(seq: Token[], into: First): boolean {
  for (const t of seq) if (!tokenFirst(t, into)) return false;
  return true;
}

function tokenFirst(t: Token, into: First): boolean {
  switch (t.type) {
    case types.CHAR:
      into.ranges.push([t.value, t.value]);
      return false;
    case types.SET:
      if (t.not) into.any = true;
      else {
        for (const s of t.set) {
          if (s.type === types.RANGE) into.ranges.push([s.from, s.to]);
          else tokenFirst(s, into);
        }
      }
      return false;
    case types.POSITION:
      return true;
    case types.REFERENCE:
      into.any = true;
      return true;
    case types.REPETITION:
      return tokenFirst(t.value, into) || t.min === 0;
    case types.GROUP: {
      if (t.followedBy === true || t.notFollowedBy === true || t.lookBehind === true) return true; // lookaround consumes nothing
      let empty = false;
      for (const seq of children(t)) if (sequenceFirst(seq, into)) empty = true;
      return empty || children(t).length === 0;
    }
  }
}

function intersects(a: First, b: First): boolean {
  if ((a.any && (b.any || b.ranges.length > 0)) || (b.any && a.ranges.length > 0)) return true;
  return a.ranges.some(([lo, hi]) => b.ranges.some(([l, h]) => lo <= h && l <= hi));
}
