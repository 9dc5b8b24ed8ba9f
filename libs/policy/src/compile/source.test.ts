import { describe, expect, it } from 'vitest';
import { compilePolicy, decide as decideTimed, WindowState } from '../index.js';
import { compileCel, DEFAULT_LIMITS } from './cel.js';

/** Budgets measured on a clock that does not move: outcomes do not depend on this machine's load. */
const decide: typeof decideTimed = (p, r, s, n, o) => decideTimed(p, r, s, n, { clock: () => 0, ...o });

// JSON policies are read with JSON.parse and only get a YAML document (for lines and
// columns) when an error needs one: the results must be those of the YAML road.
const policy = (rules: string, extra = '') =>
  `{\n  "apiVersion": "thoth.dev/policy/v1",\n  "kind": "Policy",\n  "metadata": { "name": "p", "version": "1" },${extra}\n  "defaults": { "effect": "allow" },\n  "rules": [\n${rules}\n  ]\n}\n`;
const rule = (id: string, when: string) => `    { "id": "${id}", "effect": "deny", "match": { "tools": ["db.*"] }, "when": ${JSON.stringify(when)} }`;

const both = (text: string) => [compilePolicy(text, { format: 'json' }), compilePolicy(text, { format: 'yaml' })] as const;

describe('JSON policies without a YAML document', () => {
  it('compile to the same policy as through YAML', () => {
    const [json, yaml] = both(policy([rule('r1', 'args.limit > 10'), rule('r2', 'args["a\\"b"] == "x\\u00e9"')].join(',\n')));
    expect(json.ok && yaml.ok).toBe(true);
    if (!json.ok || !yaml.ok) return;
    expect(json.policy.hash).toBe(yaml.policy.hash);
    const request = { tenantId: 't', agent: { id: 'a' }, tool: 'db.drop', args: { limit: 50 } };
    expect(decide(json.policy, request, new WindowState(), 0)).toEqual(decide(yaml.policy, request, new WindowState(), 0));
  });

  it('report errors with the same codes, paths, lines and columns', () => {
    const cases = [
      policy([rule('r1', 'args.limit >'), rule('r2', 'args.limit > 1')].join(',\n')), // CEL syntax, positioned in the string
      policy([rule('r1', 'args.limit > 1'), rule('r1', 'args.limit > 2')].join(',\n')), // duplicate rule id
      policy(rule('r1', 'args.limit > 1'), '\n  "metadata": { "name": "again", "version": "2" },'), // repeated key
      policy(rule('r1', 'args.limit > 1'), '\n  "__proto__": { "x": 1 },'),
      policy(`    { "id": "r1", "effect": "maybe" }`), // schema
    ];
    for (const [i, text] of cases.entries()) {
      const [json, yaml] = both(text);
      expect(json, `case ${i}`).toEqual(yaml);
      if (i !== 3) expect(json.ok, `case ${i}`).toBe(false); // both roads ignore a __proto__ key
    }
  });

  it('intern compiled CEL programs by source', () => {
    const a = compileCel('args.limit > 10', 'bool', DEFAULT_LIMITS);
    const b = compileCel('args.limit > 10', 'bool', DEFAULT_LIMITS);
    const c = compileCel('args.limit > 10', 'number', DEFAULT_LIMITS);
    expect(a.ok && b.ok && a.program === b.program).toBe(true);
    expect(c.ok).toBe(false); // a bool is not a number: interned per expected type
  });
});
