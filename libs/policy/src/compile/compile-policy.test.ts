import { describe, expect, it } from 'vitest';
import { bindTenant, compilePolicy, type PolicyError } from '../index.js';

const HEAD = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata:
  name: bad
  version: "1"
defaults:
  effect: allow
`; // 7 lines: what follows starts on line 8

function errorsOf(source: string | object, opts: Parameters<typeof compilePolicy>[1] = {}): readonly PolicyError[] {
  const r = compilePolicy(source, opts);
  if (r.ok) throw new Error('expected the document to be rejected');
  return r.errors;
}

function only(source: string | object, opts: Parameters<typeof compilePolicy>[1] = {}): PolicyError {
  const errors = errorsOf(source, opts);
  expect(errors, JSON.stringify(errors)).toHaveLength(1);
  return errors[0]!;
}

describe('malformed documents are rejected with code, path, line and column', () => {
  it('bad YAML', () => {
    const e = errorsOf(`${HEAD}rules:\n  - id: r1\n    match: { tools: [crm.delete }\n    effect: deny\n`)[0];
    // At the `}` that should have been a `]`.
    expect(e).toMatchObject({ code: 'yaml.syntax', path: '', line: 10, column: 33 });
  });

  it('duplicate YAML keys are a syntax error', () => {
    const e = errorsOf(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    effect: allow\n`)[0];
    expect(e).toMatchObject({ code: 'yaml.syntax', line: 11, column: 5 });
  });

  it('bad JSON (strict json format)', () => {
    const e = only('{\n  "apiVersion": "thoth.dev/policy/v1",\n  "kind": "Policy",,\n}', { format: 'json' });
    expect(e).toMatchObject({ code: 'json.syntax', path: '', line: 3, column: 20 });
  });

  it('unknown field, pointing at the key', () => {
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    severty: high\n`);
    expect(e).toMatchObject({ code: 'schema.unknown_field', path: '/rules/0/severty', line: 11, column: 5 });
    expect(e.message).toContain("unknown field 'severty'");
    expect(e.message).toContain('severity');
  });

  it('unknown field in JSON text, with line and column too', () => {
    const json = JSON.stringify({ apiVersion: 'thoth.dev/policy/v1', kind: 'Policy', metadata: { name: 'j', version: '1' }, defaults: { effect: 'allow', colour: 'red' } }, null, 2);
    const e = only(json, { format: 'json' });
    expect(e).toMatchObject({ code: 'schema.unknown_field', path: '/defaults/colour', line: 10, column: 5 });
  });

  it('object input is located in its JSON rendering', () => {
    const e = only({ apiVersion: 'thoth.dev/policy/v1', kind: 'Policy', metadata: { name: 'o', version: '1' }, defaults: { effect: 'maybe' } });
    expect(e).toMatchObject({ code: 'schema.enum', path: '/defaults/effect', line: 9, column: 15 });
  });

  it('missing field and wrong type', () => {
    const errors = errorsOf(`${HEAD}rules:\n  - id: r1\n    severity: 3\n`);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'schema.missing_field', path: '/rules/0', line: 9, column: 5 }),
      expect.objectContaining({ code: 'schema.enum', path: '/rules/0/severity', line: 10, column: 15 }),
    ]);
  });

  it('CEL syntax error, at the offending character', () => {
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: 'size(args.ids) >'\n`);
    expect(e).toMatchObject({ code: 'cel.syntax', path: '/rules/0/when', line: 11, column: 28 });
  });

  it('CEL type error', () => {
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: tool + 1 == 2\n`);
    expect(e).toMatchObject({ code: 'cel.type', path: '/rules/0/when', line: 11, column: 11 });
    expect(e.message).toContain('string + int');
  });

  it('a condition that is not boolean is a type error', () => {
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: size(args.ids)\n`);
    expect(e).toMatchObject({ code: 'cel.type', path: '/rules/0/when', line: 11, column: 11 });
    expect(e.message).toContain('must evaluate to bool');
  });

  it('an unknown variable is a type error', () => {
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: user.admin\n`);
    expect(e).toMatchObject({ code: 'cel.type', path: '/rules/0/when', line: 11, column: 11 });
  });

  it('too many nodes', () => {
    const sum = Array.from({ length: 200 }, () => '1').join(' + ');
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: ${sum} > 0\n`);
    expect(e).toMatchObject({ code: 'cel.too_complex', path: '/rules/0/when', line: 11, column: 11 });
  });

  it('too deep', () => {
    const deep = `${'['.repeat(40)}1${']'.repeat(40)} != []`;
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: '${deep}'\n`);
    expect(e).toMatchObject({ code: 'cel.too_complex', path: '/rules/0/when', line: 11 });
  });

  it('too long', () => {
    const long = `tool == "${'x'.repeat(2000)}"`;
    const e = only(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: '${long}'\n`);
    expect(e).toMatchObject({ code: 'cel.too_complex', path: '/rules/0/when', line: 11, column: 12 });
    expect(e.message).toContain('the limit is 1024');
  });

  it('unbounded work: nested comprehensions over the arguments', () => {
    const e = only(`${HEAD}limits:\n  - id: l1\n    maxPerCall: 10\n    records: 'size(args.ids.map(a, args.ids.filter(b, b == a)))'\n`);
    expect(e).toMatchObject({ code: 'cel.too_complex', path: '/limits/0/records', line: 11, column: 15 });
    expect(e.message).toContain('comprehensions');
  });

  it('invalid time zone', () => {
    const e = only(`${HEAD}freezes:\n  - id: f1\n    timeZone: Mars/Olympus_Mons\n    weekly: [{ days: [fri], start: "16:00", end: "24:00" }]\n`);
    expect(e).toMatchObject({ code: 'time.invalid_zone', path: '/freezes/0/timeZone', line: 10, column: 15 });
  });

  it('invalid and inverted time ranges', () => {
    const errors = errorsOf(`${HEAD}freezes:\n  - id: f1\n    ranges:\n      - { start: "2025-02-30T00:00", end: "2025-03-01T00:00" }\n      - { start: "2025-03-02T00:00", end: "2025-03-01T00:00" }\n`);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'time.invalid', path: '/freezes/0/ranges/0/start', line: 11, column: 18 }),
      expect.objectContaining({ code: 'time.invalid_range', path: '/freezes/0/ranges/1', line: 12, column: 9 }),
    ]);
  });

  it('duplicate rule id, across rules and limits', () => {
    const errors = errorsOf(`${HEAD}rules:\n  - id: r1\n    effect: deny\n  - id: r1\n    effect: allow\nlimits:\n  - id: r1\n    maxPerCall: 1\n`);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'rule.duplicate_id', path: '/rules/1/id', line: 11, column: 9 }),
      expect.objectContaining({ code: 'rule.duplicate_id', path: '/limits/0/id', line: 14, column: 9 }),
    ]);
    expect(errors[0]?.message).toContain('already used at /rules/0');
  });

  it('reserved ids, invalid CIDRs, empty limits', () => {
    const errors = errorsOf(
      `${HEAD}rules:\n  - id: default\n    effect: deny\nlimits:\n  - id: l1\ncredentials:\n  bindings:\n    - fingerprint: abc\n      cidrs: ["10.0.0.0/33", "::1"]\n`,
    );
    expect(errors.map((e) => [e.code, e.path, e.line, e.column])).toEqual([
      ['rule.reserved_id', '/rules/0/id', 9, 9],
      ['schema.missing_field', '/limits/0', 12, 5],
      ['cidr.invalid', '/credentials/bindings/0/cidrs/0', 16, 15],
    ]);
  });

  it('wrong apiVersion', () => {
    const e = only(HEAD.replace('policy/v1', 'policy/v2'));
    expect(e).toMatchObject({ code: 'schema.enum', path: '/apiVersion', line: 1, column: 13 });
  });

  it('non-string, non-object input', () => {
    expect(errorsOf(42 as unknown as string)[0]?.code).toBe('input.invalid');
  });

  it('tenant context errors name the tenant path', () => {
    const r = compilePolicy(HEAD);
    if (!r.ok) throw new Error('expected a valid document');
    const bound = bindTenant(r.policy, { credentials: [{ fingerprint: 'f', cidrs: ['nope'] }] });
    expect(bound).toMatchObject({ ok: false, errors: [{ code: 'cidr.invalid', path: '/tenant/credentials/0/cidrs/0' }] });
  });
});

describe('valid documents', () => {
  it('accept JSON as well as YAML, and hash the same document the same way', () => {
    const yaml = compilePolicy(`${HEAD}rules:\n  - id: r1\n    effect: deny\n    when: tool == "x"\n`);
    const json = compilePolicy(
      JSON.stringify({ kind: 'Policy', apiVersion: 'thoth.dev/policy/v1', metadata: { version: '1', name: 'bad' }, defaults: { effect: 'allow' }, rules: [{ id: 'r1', effect: 'deny', when: 'tool == "x"' }] }),
      { format: 'json' },
    );
    expect(yaml.ok && json.ok).toBe(true);
    if (yaml.ok && json.ok) {
      expect(yaml.policy.hash).toBe(json.policy.hash);
      expect(yaml.policy.size).toEqual({ rules: 1, limits: 0, freezes: 0, sequences: 0 });
    }
  });
});

describe('YAML corner cases', () => {
  it('rejects collection keys without stringifying them', () => {
    const e = errorsOf('apiVersion: thoth.dev/policy/v1\n? [a]\n: b\n')[0];
    expect(e).toMatchObject({ code: 'yaml.syntax', line: 2, column: 3 });
  });
});
