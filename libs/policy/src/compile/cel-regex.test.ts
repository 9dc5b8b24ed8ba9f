import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BudgetExceeded, within } from '../decide/budget.js';
import { WindowState, compilePolicy, decide as decideTimed, type DecisionRequest, type PolicyError } from '../index.js';
import { DEFAULT_LIMITS, compileCel } from './cel.js';
import { MAX_PATTERN_LENGTH, compilePattern } from './regex.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

const HEAD = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata:
  name: regex
  version: "1"
defaults:
  effect: allow
`; // 7 lines: what follows starts on line 8

/** One deny rule whose `when` is `expr`, single-quoted: the expression starts on line 11, column 12. */
const withWhen = (expr: string): string => `${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: '${expr}'\n`;

function only(source: string): PolicyError {
  const r = compilePolicy(source);
  if (r.ok) throw new Error('expected the document to be rejected');
  expect(r.errors, JSON.stringify(r.errors)).toHaveLength(1);
  return r.errors[0]!;
}

/** `a` and `b` in an order no DFA cache keeps up with (a fixed linear congruential sequence). */
function scrambled(n: number): string {
  let x = 7;
  return Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) & 0x10000 ? 'a' : 'b')).join('');
}

/** `matches()` as a compiled CEL program runs it: `text.matches(pattern)` with `text` bound to `args.text`. */
function matcher(pattern: string, form: 'receiver' | 'global' = 'receiver'): (text: string) => boolean {
  const literal = JSON.stringify(pattern);
  const source = form === 'receiver' ? `string(args.text).matches(${literal})` : `matches(string(args.text), ${literal})`;
  const compiled = compileCel(source, 'bool', DEFAULT_LIMITS);
  if (!compiled.ok) throw new Error(`${pattern}: ${compiled.message}`);
  return (text) => compiled.program({ args: { text } }) as boolean;
}

describe('matches() patterns RE2 cannot run are refused at compile time (cel.unsafe_regex), pointing at the pattern', () => {
  // `tool.matches(` is 13 characters: the pattern literal starts at column 12 + 13 = 25.
  it.each([
    ['a(?=b)', 'a lookahead (?=…)'],
    ['a(?!b)', 'a negative lookahead (?!…)'],
    ['(?<=a)b', 'a lookbehind (?<=…)'],
    ['(?<!a)b', 'a negative lookbehind (?<!…)'],
    ['(a)\\\\1', 'a backreference (\\1)'],
    ['(?P<x>a)\\\\k<x>', 'a named backreference (\\k<…>)'],
    ['(?>a+)b', 'an atomic group (?>…)'],
    ['a++b', 'a possessive quantifier (++)'],
  ])('%s: %s', (pattern, construct) => {
    const e = only(withWhen(`tool.matches("${pattern}")`));
    expect(e).toMatchObject({ code: 'cel.unsafe_regex', path: '/rules/0/when', line: 11, column: 25 });
    expect(e.message).toBe(`matches() pattern uses ${construct}, which needs a backtracking engine; RE2 refuses it so that matching stays linear in the input`);
  });

  it('other syntax RE2 refuses is reported with its own description and the refused text', () => {
    expect(only(withWhen('tool.matches("([a-z")'))).toMatchObject({ code: 'cel.unsafe_regex', column: 25, message: 'matches() pattern is not valid RE2 syntax: missing closing ]: `[a-z`' });
    expect(only(withWhen('tool.matches("a\\\\Z")')).message).toBe('matches() pattern is not valid RE2 syntax: invalid escape sequence: `\\Z`');
    expect(only(withWhen('tool.matches("a{1001}")')).message).toBe('matches() pattern is not valid RE2 syntax: invalid repeat count: `{1001}`');
    expect(compilePattern('(?:.{0,1000}a){1000}')).toEqual({ ok: false, message: 'matches() pattern is not valid RE2 syntax: expression too large' });
  });

  it('the global form matches(s, re) is compiled too, pointing at the pattern', () => {
    const e = only(withWhen('matches(tool, "a(?=b)")'));
    expect(e).toMatchObject({ code: 'cel.unsafe_regex', path: '/rules/0/when', line: 11, column: 26 });
  });

  it('inside a macro, in a limit record count', () => {
    const r = compilePolicy(`${HEAD}limits:\n  - id: l1\n    maxPerCall: 10\n    records: 'size(args.ids.filter(x, string(x).matches("(a)\\\\1")))'\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code: 'cel.unsafe_regex', path: '/limits/0/records', line: 11, column: 57 });
  });

  it('a pattern that is not a literal is refused', () => {
    const e = only(withWhen('tool.matches(resource)'));
    expect(e).toMatchObject({ code: 'cel.unsafe_regex', path: '/rules/0/when', line: 11, column: 25 });
    expect(e.message).toContain('matches() needs a literal pattern');
    expect(only(withWhen('tool.matches("a" + "b")'))).toMatchObject({ code: 'cel.unsafe_regex', column: 25 });
    expect(only(withWhen('matches(tool, resource)'))).toMatchObject({ code: 'cel.unsafe_regex', column: 26 });
  });

  it('a pattern longer than the cap is refused', () => {
    const long = only(withWhen(`tool.matches("${'a'.repeat(MAX_PATTERN_LENGTH + 1)}")`));
    expect(long).toMatchObject({ code: 'cel.unsafe_regex', line: 11, column: 25 });
    expect(long.message).toContain(`the limit is ${MAX_PATTERN_LENGTH}`);
    expect(compilePattern('a'.repeat(MAX_PATTERN_LENGTH)).ok).toBe(true);
  });

  it('patterns a backtracking engine could not afford compile: RE2 runs them in linear time', () => {
    for (const p of ['(a+)+$', '(a|aa)+b', '(.*a){12}', '(\\w|\\d)*x', '.*DROP.*TABLE', '.*a.*a.*a.*b', '^\\d+(\\.\\d+)?$']) {
      expect(compilePattern(p).ok, p).toBe(true);
    }
  });

  it('a non-string receiver is a type error, as before', () => {
    expect(only(withWhen('(1).matches("a")'))).toMatchObject({ code: 'cel.type' });
  });
});

describe('matches() has RE2 semantics', () => {
  it('searches anywhere in the string unless anchored', () => {
    const m = matcher('b+');
    expect(m('abbbc')).toBe(true);
    expect(m('ac')).toBe(false);
    expect(matcher('^crm\\.')('crm.delete')).toBe(true);
    expect(matcher('^crm\\.')('x.crm.delete')).toBe(false);
    expect(matcher('^crm\\.')('crmXdelete')).toBe(false);
    expect(matcher('delete$')('crm.delete')).toBe(true);
    expect(matcher('delete$')('delete.crm')).toBe(false);
    expect(matcher('')('anything')).toBe(true);
  });

  it('both forms, s.matches(re) and matches(s, re), give the same answers', () => {
    for (const [p, s] of [['^a.c$', 'abc'], ['^a.c$', 'abcd'], ['[0-9]{3}-[0-9]{4}', 'call 555-1234 now']] as const) {
      expect(matcher(p, 'global')(s)).toBe(matcher(p)(s));
    }
  });

  it('flags: (?i) case-insensitive, (?m) multi-line anchors, (?s) dot matches newline, (?U) ungreedy', () => {
    expect(matcher('(?i)drop\\s+table')('Drop  TABLE users')).toBe(true);
    expect(matcher('drop\\s+table')('Drop  TABLE users')).toBe(false);
    expect(matcher('^b$')('a\nb\nc')).toBe(false);
    expect(matcher('(?m)^b$')('a\nb\nc')).toBe(true);
    expect(matcher('a.c')('a\nc')).toBe(false);
    expect(matcher('(?s)a.c')('a\nc')).toBe(true);
    expect(matcher('(?U)^a+$')('aaa')).toBe(true);
  });

  it('unicode: a dot is one code point, \\p classes and case folding beyond ASCII; \\d, \\w and \\b are ASCII as in RE2', () => {
    expect(matcher('^.$')('😀')).toBe(true);
    expect(matcher('^..$')('😀')).toBe(false);
    expect(matcher('^\\p{Greek}+$')('αβγ')).toBe(true);
    expect(matcher('^\\pL+$')('Zürich')).toBe(true);
    expect(matcher('(?i)^straße$')('STRAßE')).toBe(true);
    expect(matcher('^\\d+$')('٣')).toBe(false);
    expect(matcher('^\\w+$')('é')).toBe(false);
    expect(matcher('\\bDROP\\b')('a DROP b')).toBe(true);
    expect(matcher('\\bDROP\\b')('DROPS')).toBe(false);
  });

  it('classes: ranges, negation, POSIX classes, \\Q…\\E quoting', () => {
    expect(matcher('^[a-c]+$')('abcabc')).toBe(true);
    expect(matcher('^[^a-c]+$')('xyz')).toBe(true);
    expect(matcher('^[^a-c]+$')('xaz')).toBe(false);
    expect(matcher('^[[:alpha:]]+$')('abcXYZ')).toBe(true);
    expect(matcher('^[[:digit:]]+$')('12a')).toBe(false);
    expect(matcher('^\\Qa.b\\E$')('a.b')).toBe(true);
    expect(matcher('^\\Qa.b\\E$')('axb')).toBe(false);
  });

  it('a string that is not valid UTF-16 (a lone surrogate) is matched, not refused', () => {
    expect(matcher('^a.b$')('a\uD800b')).toBe(true);
  });
});

describe('a long match stops when the evaluation budget is spent', () => {
  // A fake clock that advances 1 ms per reading: the 5 ms budget is spent after a few checks,
  // however fast or slow this machine is.
  const ticking = () => {
    let t = 0;
    return () => t++;
  };
  const K = 256 * 1024;

  it.each([
    // the DFA scans it (its states are few)
    ['.*a.*a.*a.*b', 'b' + 'a'.repeat(K)],
    // too many DFA states for its cache: the NFA simulation runs it
    ['(?:.{0,50}a){5}Z', 'Z' + scrambled(K)],
  ])('%s on 256 KiB throws BudgetExceeded inside a decision, and finishes outside one', (pattern, text) => {
    const m = matcher(pattern);
    expect(() => within(5, ticking(), () => m(text))).toThrow(BudgetExceeded);
    // The engine is left whole: the same pattern answers right after.
    expect(m('xaaab')).toBe(pattern.startsWith('.*'));
    expect(m('aaaaaZ')).toBe(!pattern.startsWith('.*'));
    if (pattern.startsWith('.*')) expect(m(text)).toBe(false);
  });

  it('a match does not start once the budget is spent', () => {
    const m = matcher('.*DROP.*TABLE');
    let reads = 0;
    const late = () => (reads++ === 0 ? 0 : 1_000);
    expect(() => within(5, late, () => m('TABLE ' + 'DROP '.repeat(1000)))).toThrow('before matches()');
  });

  it('a short match never reads the clock', () => {
    const m = matcher('^crm\\.');
    let reads = 0;
    const counting = () => reads++;
    expect(within(5, counting, () => m('crm.delete'))).toBe(true);
    expect(reads).toBe(1); // `within` itself, setting the deadline
  });
});

describe('the DFA state cache of a pattern is bounded', () => {
  it('twenty patterns whose DFA states outgrow any cache, each fed 64 KiB, retain under 10 MB (5.4 MB each at re2js\'s default)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      for (let i = 0; i < 3; i++) gc();
      return process.memoryUsage().heapUsed;
    };
    const text = `c${scrambled(64 * 1024)}`;
    const before = heap();
    const kept = Array.from({ length: 20 }, (_, i) => {
      const m = matcher(`[ab]*a[ab]{${20 + i}}c`);
      expect(m(text)).toBe(false);
      return m;
    });
    expect(heap() - before).toBeLessThan(10 * 1024 * 1024);
    expect(kept).toHaveLength(20);
  });
});

describe('patterns decide as regular expressions in a policy', () => {
  const r = compilePolicy(String.raw`${HEAD}rules:
  - id: crm-tools
    effect: deny
    when: 'tool.matches("^crm\\.")'
  - id: phone-number
    effect: deny
    when: 'has(args.phone) && string(args.phone).matches("[0-9]{3}-[0-9]{4}")'
  - id: drop-table
    effect: deny
    when: 'has(args.sql) && args.sql.matches("(?i)drop\\s+table")'
`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  const policy = r.policy;
  const ask = (over: Partial<DecisionRequest>) =>
    decide(policy, { tenantId: 't1', agent: { id: 'a1' }, tool: 'mail.send', args: {}, ...over }, new WindowState(), Date.UTC(2025, 0, 1));

  it('^crm\\. matches a literal dot after crm at the start only', () => {
    expect(ask({ tool: 'crm.delete' }).effect).toBe('deny');
    expect(ask({ tool: 'crmXdelete' }).effect).toBe('allow');
    expect(ask({ tool: 'x.crm.delete' }).effect).toBe('allow');
  });

  it('[0-9]{3}-[0-9]{4} finds a phone number anywhere in the string', () => {
    const hit = ask({ args: { phone: 'call 555-1234 now' } });
    expect(hit.matched.map((m) => `${m.ruleId}:${m.effect}`)).toEqual(['phone-number:deny']);
    expect(ask({ args: { phone: '55-1234' } }).matched).toEqual([expect.objectContaining({ ruleId: 'default' })]);
  });

  it('(?i)drop\\s+table, RE2 flag syntax JavaScript does not have, on a dyn argument', () => {
    expect(ask({ args: { sql: 'select 1; Drop   Table users' } }).matched.map((m) => m.ruleId)).toEqual(['drop-table']);
    expect(ask({ args: { sql: 'select 1' } }).effect).toBe('allow');
    // A number where a string was expected: an evaluation error of the element, as before.
    expect(ask({ args: { sql: 42 } }).error).toMatchObject({ code: 'cel.eval', ruleId: 'drop-table' });
  });
});
