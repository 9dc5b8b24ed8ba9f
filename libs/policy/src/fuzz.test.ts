// Fuzz: whatever document and whatever request, `compilePolicy` answers with a result
// (typed errors with code, path, line, column) and `decide` answers with a Decision —
// neither throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, decide as decideTimed, WindowState, type CompiledPolicy, type CompileResult, type Decision, type DecisionRequest } from './index.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

const NOW = Date.parse('2025-07-15T10:00:00Z');

// ---- What must hold of every answer ----

/** The stable codes of docs/policy.md ("Error codes"); `internal.error`, a compiler bug, is left out on purpose. */
const COMPILE_CODES = new Set([
  'yaml.syntax',
  'json.syntax',
  'schema.unknown_field',
  'schema.missing_field',
  'schema.type',
  'schema.enum',
  'schema.pattern',
  'schema.range',
  'schema.size',
  'cel.syntax',
  'cel.type',
  'cel.too_complex',
  'cel.unsafe_regex',
  'rule.duplicate_id',
  'rule.reserved_id',
  'time.invalid_zone',
  'time.invalid',
  'time.invalid_range',
  'glob.invalid',
  'cidr.invalid',
  'policy.too_large',
  'input.invalid',
]);
/**
 * Decision error codes a well-formed request may meet. `request.invalid` is for requests
 * that break the types (none here); `internal.error` is a crash that decide caught.
 */
const EVALUATION_CODES = new Set(['cel.eval', 'cel.result_type', 'records.invalid']);

function expectTypedResult(result: CompileResult): void {
  expect(typeof result.ok).toBe('boolean');
  if (result.ok) {
    expect(typeof result.policy.hash).toBe('string');
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) {
    expect(typeof e.code).toBe('string');
    expect(COMPILE_CODES, `undocumented error code ${e.code}: ${e.message}`).toContain(e.code);
    expect(typeof e.message).toBe('string');
    expect(typeof e.path).toBe('string');
    // 1-based everywhere; tenant-context errors, which have no source text, say 1:1.
    expect(Number.isInteger(e.line) && Number.isInteger(e.column) && e.line >= 1 && e.column >= 1, `position ${e.line}:${e.column} of ${e.code} at ${e.path}`).toBe(true);
  }
}

/** Calls `f`; a throw becomes a test failure naming the input. */
function mustNotThrow<T>(what: string, input: unknown, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${what} threw ${String(e)} on ${describeInput(input)}`, { cause: e });
  }
}

function compileNeverThrows(input: unknown, format?: 'yaml' | 'json'): CompileResult {
  const result = mustNotThrow('compilePolicy', input, () => compilePolicy(input as string, format ? { format } : {}));
  expectTypedResult(result);
  return result;
}

function expectDecision(d: Decision): void {
  expect(['allow', 'deny', 'approve']).toContain(d.effect);
  // Approval is asked (with its elements and a positive expiry of at most 7d) exactly when the call is held.
  expect(d.approval !== undefined).toBe(d.effect === 'approve');
  if (d.approval !== undefined) {
    expect(d.approval.ruleIds.length).toBeGreaterThan(0);
    expect(d.approval.expiresInMs).toBeGreaterThan(0);
    expect(d.approval.expiresInMs).toBeLessThanOrEqual(7 * 86_400_000);
  }
  expect(typeof d.shadow).toBe('boolean');
  expect(Array.isArray(d.matched)).toBe(true);
  for (const m of d.matched) {
    expect(typeof m.ruleId).toBe('string');
    expect(typeof m.reason).toBe('string');
  }
  expect(Array.isArray(d.updates)).toBe(true);
  // Attempts count; only the kill switch and an unevaluable request count toward nothing.
  if (d.matched.some((m) => m.kind === 'agent_status') || d.error?.code === 'request.invalid' || d.error?.code === 'internal.error') expect(d.updates).toEqual([]);
  // decide catches everything; an `internal` error is a crash it hid, not a typed outcome.
  if (d.error !== undefined) expect(EVALUATION_CODES, `${d.error.code}: ${d.error.message}`).toContain(d.error.code);
}

function decideNeverThrows(policy: CompiledPolicy, request: DecisionRequest, state: WindowState, now: number): Decision {
  const d = mustNotThrow('decide', request, () => decide(policy, request, state, now));
  expectDecision(d);
  mustNotThrow('WindowState.apply', d.updates, () => state.apply(d.updates, now));
  return d;
}

function describeInput(v: unknown): string {
  try {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
  } catch {
    return String(v);
  }
}

// ---- Documents ----

const VALID_YAML = `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata:
  name: crm-guard
  version: "7"
defaults:
  effect: allow
rules:
  - id: no-bulk-delete
    match:
      agents: { labels: { team: sales } }
      tools: ["crm.delete*"]
      resources: ["crm/*"]
    when: size(args.ids) > 100 || args.where == null
    effect: deny
    severity: high
limits:
  - id: deletes-per-agent
    match: { tools: ["*.delete*"] }
    records: size(args.ids)
    maxPerCall: 100
    window: { duration: 10m, maxCalls: 50, maxRecords: 200 }
    scope: agent
freezes:
  - id: july-freeze
    match: { tools: ["*.delete*", "*.drop*"] }
    timeZone: Europe/Paris
    ranges: [{ start: "2025-07-14T00:00:00", end: "2025-07-21T00:00:00" }]
    weekly: [{ days: [sat, sun], start: "00:00", end: "24:00" }]
    exceptions: [{ name: on-call, agents: { ids: [agent-ops] } }]
sequences:
  - id: fabrication
    after: { tools: ["*.delete*"] }
    then: { tools: ["*.insert*", "*.create*"] }
    within: 1h
    minCalls: 2
credentials:
  onViolation: deny
  bindings:
    - fingerprint: "sha256:abc"
      agents: [agent-crm]
      resources: ["crm/*"]
      cidrs: ["10.0.0.0/8", "2001:db8::/32"]
      regions: [eu-west-1]
`;

const validParsed = compileNeverThrows(VALID_YAML);

/** Random edits of a valid document: YAML structure and values break in every way. */
const mutatedYaml = fc
  .array(
    fc.tuple(
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'replace', 'duplicate-line', 'indent'),
      fc.string({ unit: fc.constantFrom(...': -[]{}"\'#&*!|>%@`,?\n\t\\0aZ9.'.split('')), minLength: 1, maxLength: 4 }),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((edits) => {
    let text = VALID_YAML;
    for (const [pos, op, s] of edits) {
      const at = pos % (text.length + 1);
      if (op === 'delete') text = text.slice(0, at) + text.slice(at + s.length);
      else if (op === 'insert') text = text.slice(0, at) + s + text.slice(at);
      else if (op === 'replace') text = text.slice(0, at) + s + text.slice(at + s.length);
      else if (op === 'indent') text = text.slice(0, at) + '  ' + text.slice(at);
      else {
        const lines = text.split('\n');
        const i = pos % lines.length;
        lines.splice(i, 0, lines[i] ?? '');
        text = lines.join('\n');
      }
    }
    return text;
  });

// CEL: a grammar over the request plus token soup, so both valid and broken expressions.
const celIdent = fc.constantFrom(
  'args',
  'args.ids',
  'args.where',
  'args.count',
  'args.a.b.c',
  'tool',
  'resource',
  'agent.id',
  'agent.labels.team',
  'agent.environment',
  'credential.fingerprint',
  'source.ip',
  'source.region',
  'time',
  'undefined_var',
  'args["x"]',
  'args.ids[0]',
);
const celLiteral = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '[]', '{}', '[1, 2]', '{"a": 1}', 'b"bytes"', '1u', '0x1F', '9223372036854775807', '-9223372036854775808', '1e308'),
);
const celExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    celIdent,
    celLiteral,
    fc.tuple(tie('e'), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', '/', '%', 'in'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('e').map((a) => `!(${a})`),
    tie('e').map((a) => `-${a}`),
    tie('e').map((a) => `(${a})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
    fc.tuple(fc.constantFrom('size', 'int', 'uint', 'double', 'string', 'bool', 'type', 'has', 'timestamp', 'duration', 'dyn', 'nosuchfn'), tie('e')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('e'), fc.constantFrom('startsWith', 'endsWith', 'contains', 'matches', 'size'), tie('e')).map(([a, m, b]) => `${a}.${m}(${b})`),
    fc.tuple(tie('e'), fc.constantFrom('all', 'exists', 'exists_one', 'map', 'filter'), tie('e')).map(([a, m, b]) => `${a}.${m}(x, ${b})`),
    fc.array(tie('e'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
  ),
})).e;
const celSoup = fc
  .array(fc.constantFrom('args', '.', '(', ')', '[', ']', '{', '}', '&&', '||', '!', '?', ':', ',', '"', "'", '1', 'size', 'x', '==', ' ', '\\', '`', 'in', '.all', 'null'), { maxLength: 20 })
  .map((ts) => ts.join(''));
const celString = fc.oneof(celExpr, celSoup, fc.string({ maxLength: 40 }), fc.constant(`${'('.repeat(200)}1${')'.repeat(200)}`), fc.constant(`${'args.a && '.repeat(300)}true`));

const weirdString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('', ' ', '*', '**', '?', '[', '\\', '\u0000', '../..', 'a'.repeat(300), '🙂', '\ud800', 'crm.*', '*.delete*', 'UTC', 'Mars/Olympus'),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
/** Either a plausible value or junk of any type. */
const orJunk = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) });
const id = fc.oneof(fc.constantFrom('r1', 'r2', 'dup', 'a.b:c/d-e', 'deletes', 'default', 'agent-status', 'credential:x'), weirdString);
const globs = fc.array(fc.oneof(fc.constantFrom('*', 'crm.*', '*.delete*', 'crm.delete_records', 'crm/*', 'db.?', '*/executives'), weirdString), { maxLength: 3 });
const agentSelector = fc.record(
  {
    ids: orJunk(fc.array(id, { maxLength: 3 })),
    labels: orJunk(fc.dictionary(fc.constantFrom('team', 'env', ''), fc.string({ maxLength: 5 }), { maxKeys: 2 })),
    environments: orJunk(fc.array(fc.constantFrom('prod', 'staging', ''), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);
const match = fc.record({ agents: orJunk(agentSelector), tools: orJunk(globs), resources: orJunk(globs) }, { requiredKeys: [] });
const severity = orJunk(fc.constantFrom('low', 'medium', 'high', 'critical', 'extreme'));
const mode = orJunk(fc.constantFrom('enforce', 'shadow', 'observe'));
const duration = orJunk(fc.oneof(fc.constantFrom('10m', '1h', '500ms', '31d', '32d', '0s', '1y', '', '9999999999d'), fc.string({ maxLength: 6 })));
const timeText = fc.oneof(
  fc.constantFrom('2025-07-14T00:00:00', '2025-07-21T00:00:00Z', '2025-02-30T00:00:00', 'yesterday', '', '2025-07-14T25:00:00', '2025-07-14T00:00:00+14:00'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 10 }),
);
const rule = fc.record(
  {
    id: orJunk(id),
    description: maybe(fc.string({ maxLength: 10 })),
    match: orJunk(match),
    when: orJunk(celString),
    effect: orJunk(fc.constantFrom('allow', 'deny', 'approve', 'permit')),
    approval: orJunk(fc.record({ expiresIn: duration }, { requiredKeys: ['expiresIn'] })),
    severity,
    mode,
    reason: maybe(fc.string({ maxLength: 10 })),
    surprise: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: ['id', 'effect'] },
);
const limit = fc.record(
  {
    id: orJunk(id),
    match: orJunk(match),
    when: orJunk(celString),
    records: orJunk(celString),
    unboundedWhen: orJunk(celString),
    maxPerCall: orJunk(fc.integer({ min: -5, max: 1000 })),
    window: orJunk(fc.record({ duration, maxCalls: orJunk(fc.integer({ min: -1, max: 100 })), maxRecords: orJunk(fc.nat(1000)) }, { requiredKeys: ['duration'] })),
    scope: orJunk(fc.constantFrom('tenant', 'agent', 'agent_tool', 'agent_resource', 'credential', 'tool', 'resource', 'galaxy')),
    effect: orJunk(fc.constantFrom('deny', 'approve', 'allow')),
    severity,
    mode,
  },
  { requiredKeys: ['id'] },
);
const freeze = fc.record(
  {
    id: orJunk(id),
    match: orJunk(match),
    timeZone: orJunk(fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Mars/Olympus', '', '+02:00', 'Etc/GMT+14')),
    ranges: orJunk(fc.array(fc.record({ start: orJunk(timeText), end: orJunk(timeText) }), { maxLength: 2 })),
    weekly: orJunk(
      fc.array(
        fc.record({
          days: orJunk(fc.array(fc.constantFrom('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'funday'), { maxLength: 8 })),
          start: orJunk(fc.constantFrom('00:00', '09:30', '23:59', '24:00', '25:00', '9:00')),
          end: orJunk(fc.constantFrom('00:00', '17:00', '24:00', '24:01', '12:60')),
        }),
        { maxLength: 2 },
      ),
    ),
    exceptions: orJunk(fc.array(fc.record({ name: orJunk(weirdString), agents: orJunk(agentSelector), tools: orJunk(globs) }, { requiredKeys: ['name'] }), { maxLength: 2 })),
    mode,
  },
  { requiredKeys: ['id'] },
);
const step = fc.record({ tools: orJunk(globs), resources: orJunk(globs), when: orJunk(celString) }, { requiredKeys: [] });
const sequence = fc.record(
  {
    id: orJunk(id),
    match: orJunk(match),
    after: orJunk(step),
    then: orJunk(step),
    within: duration,
    sameResource: orJunk(fc.boolean()),
    minCalls: orJunk(fc.integer({ min: -1, max: 5 })),
    mode,
  },
  { requiredKeys: ['id', 'after', 'then', 'within'] },
);
const binding = fc.record(
  {
    fingerprint: orJunk(fc.constantFrom('sha256:abc', 'sha256:def', '', 'x'.repeat(201))),
    agents: orJunk(fc.array(id, { maxLength: 2 })),
    resources: orJunk(globs),
    cidrs: orJunk(fc.array(fc.constantFrom('10.0.0.0/8', '0.0.0.0/0', '::/0', '2001:db8::/32', '10.0.0.0/33', '300.1.1.1', 'fe80::1%eth0', '1.2.3.4', 'banana'), { maxLength: 3 })),
    regions: orJunk(fc.array(fc.constantFrom('eu-west-1', 'us-east-1', ''), { maxLength: 2 })),
    onViolation: orJunk(fc.constantFrom('deny', 'flag', 'approve', 'ignore')),
  },
  { requiredKeys: ['fingerprint'] },
);
const plausibleDocument = fc.record(
  {
    apiVersion: orJunk(fc.constantFrom('thoth.dev/policy/v1', 'thoth.dev/policy/v2')),
    kind: orJunk(fc.constantFrom('Policy', 'Rule')),
    metadata: orJunk(fc.record({ name: orJunk(id), version: orJunk(fc.constantFrom('1', '2025-07-15', '')), description: maybe(fc.string()) }, { requiredKeys: ['name', 'version'] })),
    defaults: orJunk(fc.record({ effect: orJunk(fc.constantFrom('allow', 'deny', 'approve')), mode, approvalExpiresIn: maybe(duration) }, { requiredKeys: ['effect'] })),
    rules: orJunk(fc.array(rule, { maxLength: 5 })),
    limits: orJunk(fc.array(limit, { maxLength: 3 })),
    freezes: orJunk(fc.array(freeze, { maxLength: 2 })),
    sequences: orJunk(fc.array(sequence, { maxLength: 2 })),
    credentials: orJunk(
      fc.record(
        {
          onViolation: orJunk(fc.constantFrom('deny', 'flag', 'approve')),
          unbound: orJunk(fc.constantFrom('allow', 'flag', 'deny')),
          requireCredential: orJunk(fc.boolean()),
          mode,
          bindings: orJunk(fc.array(binding, { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
    ),
    extra: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata', 'defaults'] },
);

/** Expressions that type-check; many fail at run time on hostile args, which is the point. */
const typedCel = fc.constantFrom(
  'size(args.ids) > 2',
  'args.count > 3',
  'has(args.where) && args.where == null',
  'tool.startsWith("crm.")',
  'resource.matches("^crm/.*$")',
  'args.ids.exists(x, x == "a")',
  'args.ids.all(x, size(x) < 5)',
  'agent.labels.team == "red"',
  'source.region == "eu-west-1" || source.ip == ""',
  'time.getHours("UTC") > 8',
  'int(args.count) % 2 == 0',
  'args.a.b.c == 1',
  'string(args.count).size() > 2',
  'args.count / 0 > 1',
  'args',
);
const typedRecords = fc.constantFrom('size(args.ids)', 'args.count', 'int(args.count)', 'has(args.ids) ? size(args.ids) : 1', 'args.ids.filter(x, x != "").size()');

/** Documents that mostly compile: valid skeleton, random but schema-shaped elements, CEL typed or from the grammar. */
const compilableDocument = fc
  .record({
    defaults: fc.record({ effect: fc.constantFrom('allow', 'deny'), mode: fc.constantFrom('enforce', 'shadow') }),
    rules: fc.uniqueArray(
      fc.record(
        {
          id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'),
          effect: fc.constantFrom('allow', 'deny', 'approve'),
          match: fc.record({ tools: fc.array(fc.constantFrom('*', 'crm.*', '*.delete*', 'db.drop'), { minLength: 1, maxLength: 2 }) }, { requiredKeys: [] }),
          when: fc.oneof({ weight: 3, arbitrary: typedCel }, { weight: 1, arbitrary: celExpr }),
          mode: fc.constantFrom('enforce', 'shadow'),
        },
        { requiredKeys: ['id', 'effect'] },
      ),
      { selector: (r) => r.id, maxLength: 4 },
    ),
    limits: fc.uniqueArray(
      fc.record(
        {
          id: fc.constantFrom('l1', 'l2', 'l3'),
          records: fc.oneof({ weight: 3, arbitrary: typedRecords }, { weight: 1, arbitrary: celExpr }),
          unboundedWhen: fc.constantFrom('!has(args.where)', 'args.where == null', 'true'),
          maxPerCall: fc.nat(50),
          window: fc.record({ duration: fc.constantFrom('1s', '10m', '1h'), maxCalls: fc.nat(5), maxRecords: fc.nat(50) }, { requiredKeys: ['duration'] }),
          scope: fc.constantFrom('tenant', 'agent', 'agent_tool', 'agent_resource', 'credential', 'tool', 'resource'),
        },
        { requiredKeys: ['id'] },
      ),
      { selector: (l) => l.id, maxLength: 2 },
    ),
    sequences: fc.array(
      fc.record({ id: fc.constant('s1'), after: fc.record({ tools: fc.constant(['*.delete*']) }), then: fc.record({ tools: fc.constant(['*.insert*']), when: fc.oneof(typedCel, celExpr) }, { requiredKeys: ['tools'] }), within: fc.constantFrom('1m', '1h') }),
      { maxLength: 1 },
    ),
  })
  .map((parts) => ({
    apiVersion: 'thoth.dev/policy/v1',
    kind: 'Policy',
    metadata: { name: 'fuzz', version: '1' },
    ...parts,
    freezes: [{ id: 'f1', match: { tools: ['db.*'] }, timeZone: 'Europe/Paris', weekly: [{ days: ['tue'], start: '09:00', end: '17:00' }] }],
    credentials: { bindings: [{ fingerprint: 'sha256:abc', agents: ['a1'], cidrs: ['10.0.0.0/8'], regions: ['eu-west-1'] }] },
  }));

// ---- Requests ----

function deepNest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

const hugeString = 'x'.repeat(1 << 20);
const weirdArgs = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.record({ ids: fc.oneof(fc.array(fc.string(), { maxLength: 200 }), fc.anything()), count: fc.oneof(fc.integer(), fc.double(), fc.string()), where: fc.option(fc.jsonValue()) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(deepNest(10_000, 1, true), deepNest(10_000, 'x', false), { ids: hugeString }, hugeString, { ids: Array.from({ length: 100_000 }, (_, i) => i) }, undefined, null, Number.NaN, -0) },
);
const toolName = fc.oneof(fc.constantFrom('crm.delete_records', 'crm.insert', 'db.drop', 'db.insert_rows', '', '*', 'a'.repeat(100_000), '\u0000', '..', '🙂.delete'), fc.string({ unit: 'grapheme', maxLength: 30 }));
const request: fc.Arbitrary<DecisionRequest> = fc.record(
  {
    tenantId: fc.oneof(fc.constant('t1'), fc.string({ maxLength: 10 })),
    agent: fc.record(
      {
        id: fc.oneof(fc.constantFrom('a1', 'agent-ops', ''), fc.string({ maxLength: 10 })),
        labels: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
        environment: fc.string({ maxLength: 5 }),
        status: fc.constantFrom('active', 'suspended', 'retired'),
      },
      { requiredKeys: ['id'] },
    ),
    tool: toolName,
    args: weirdArgs,
    resource: fc.oneof(fc.constantFrom('crm/executives', 'db/x', ''), fc.string({ maxLength: 20 })),
    credential: fc.record({ fingerprint: fc.oneof(fc.constantFrom('sha256:abc', ''), fc.string({ maxLength: 10 })) }),
    source: fc.record(
      {
        ip: fc.oneof(fc.constantFrom('10.1.2.3', '::1', '::ffff:10.0.0.1', '2001:db8::1', '999.1.1.1', '', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9'), fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 })),
        region: fc.constantFrom('eu-west-1', 'us-east-1', ''),
      },
      { requiredKeys: [] },
    ),
    time: fc.oneof(fc.integer(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)),
  },
  { requiredKeys: ['tenantId', 'agent', 'tool', 'args'] },
);
const now = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: NOW - 86_400_000 * 30, max: NOW + 86_400_000 * 30 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 8_640_000_000_000_000 }) });

// ---- Properties ----

describe('compilePolicy never throws', () => {
  it('accepts the fuzz seed document (so mutations start from something valid)', () => {
    expect(validParsed.ok ? [] : validParsed.errors).toEqual([]);
  });

  it('on random edits of a valid YAML document', () => {
    fc.assert(fc.property(mutatedYaml, (text) => void compileNeverThrows(text)), { numRuns: 1500 });
  });

  it('on random text, as YAML and as strict JSON', () => {
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.json({ maxDepth: 4 }), fc.constantFrom('', '---', '- a', '*x', '&a [*a]', '{a: b', '"\\u', 'a: &a\n  b: *a', '!!binary x', '%YAML 1.2\n---\n'));
    fc.assert(
      fc.property(text, fc.constantFrom<'yaml' | 'json'>('yaml', 'json'), (t, format) => void compileNeverThrows(t, format)),
      { numRuns: 1500 },
    );
  });

  it('on random non-document values', () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }), (v) => void compileNeverThrows(v)), { numRuns: 500 });
    const cyclic: Record<string, unknown> = { apiVersion: 'thoth.dev/policy/v1' };
    cyclic['self'] = cyclic;
    compileNeverThrows(cyclic);
    compileNeverThrows(`a: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n${Array.from({ length: 20 }, (_, i) => `b${i}: &b${i} [${`*${i === 0 ? 'a' : `b${i - 1}`}, `.repeat(9)}x]`).join('\n')}\n`);
    compileNeverThrows('[' .repeat(100_000));
    compileNeverThrows(`{"apiVersion": "${'x'.repeat(5_000_000)}"}`, 'json');
  });

  it('on structurally plausible documents with random values, as objects, YAML and JSON text', () => {
    fc.assert(
      fc.property(plausibleDocument, fc.constantFrom('object', 'json'), (doc, as) => {
        const text = as === 'object' ? doc : JSON.stringify(doc);
        if (text !== undefined) compileNeverThrows(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('with random tenant contexts (directory and credential bindings)', () => {
    const tenant = fc.record(
      {
        mode: fc.constantFrom<'enforce' | 'shadow'>('enforce', 'shadow'),
        agents: fc.array(fc.record({ id: fc.string({ maxLength: 4 }), status: fc.constantFrom<'active' | 'suspended' | 'retired'>('active', 'suspended', 'retired') }), { maxLength: 3 }),
        credentials: fc.array(
          fc.record(
            {
              fingerprint: fc.constantFrom('sha256:abc', 'sha256:new'),
              agents: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
              resources: fc.array(weirdString, { maxLength: 2 }),
              cidrs: fc.array(fc.constantFrom('10.0.0.0/8', '::/0', '10.0.0.0/33', 'banana', '1.2.3.4'), { maxLength: 2 }),
              regions: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
              onViolation: fc.constantFrom<'deny' | 'flag'>('deny', 'flag'),
            },
            { requiredKeys: ['fingerprint'] },
          ),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(tenant, (t) => {
        const result = mustNotThrow('compilePolicy', t, () => compilePolicy(VALID_YAML, { tenant: t }));
        expectTypedResult(result);
      }),
      { numRuns: 500 },
    );
  });

  it('on random CEL strings in every expression slot', () => {
    fc.assert(
      fc.property(celString, fc.constantFrom('rule', 'records', 'unbounded', 'then'), (cel, slot) => {
        const doc = {
          apiVersion: 'thoth.dev/policy/v1',
          kind: 'Policy',
          metadata: { name: 'cel', version: '1' },
          defaults: { effect: 'allow' },
          rules: slot === 'rule' ? [{ id: 'r', effect: 'deny', when: cel }] : [],
          limits: slot === 'records' ? [{ id: 'l', records: cel, maxPerCall: 1 }] : slot === 'unbounded' ? [{ id: 'l', unboundedWhen: cel, maxPerCall: 1 }] : [],
          sequences: slot === 'then' ? [{ id: 's', after: { tools: ['*'] }, then: { when: cel }, within: '1m' }] : [],
        };
        const r = compileNeverThrows(doc);
        if (!r.ok) for (const e of r.errors) expect(e.path).toMatch(/^\/(rules|limits|sequences)\/0\//);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decide never throws', () => {
  it('on compiled random policies with random requests and history', () => {
    let compiled = 0;
    fc.assert(
      fc.property(compilableDocument, fc.array(fc.tuple(request, now), { minLength: 1, maxLength: 8 }), (doc, calls) => {
        const r = compileNeverThrows(doc);
        if (!r.ok) return;
        compiled++;
        const state = new WindowState({ maxKeys: 4 });
        for (const [req, at] of calls) decideNeverThrows(r.policy, req, state, at);
      }),
      { numRuns: 800 },
    );
    // The generator must mostly produce compilable policies, or this tests little.
    expect(compiled).toBeGreaterThan(300);
  });

  it('on the seed policy with hostile requests', () => {
    if (!validParsed.ok) throw new Error('seed policy does not compile');
    const policy = validParsed.policy;
    const state = new WindowState({ maxKeys: 16 });
    fc.assert(fc.property(request, now, (req, at) => void decideNeverThrows(policy, req, state, at)), { numRuns: 1500 });
  });
});
