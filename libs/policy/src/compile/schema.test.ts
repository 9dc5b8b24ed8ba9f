import { describe, expect, it } from 'vitest';
import policyDocs from '../../../../docs/policy.md?raw';
import example from '../../examples/crm-guardrails.policy.yaml?raw';
import schema from '../../schema/policy.v1.schema.json' with { type: 'json' };
import { compilePolicy } from '../index.js';
import { POLICY_SCHEMA, type SchemaNode } from './document.js';

const HEADER = 'apiVersion: thoth.dev/policy/v1\nkind: Policy\nmetadata: { name: docs, version: "1" }\ndefaults: { effect: allow }\n';

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Every `properties` map in the schema, with where it is. */
function propertyMaps(node: unknown, at: string, out: [string, string[]][]): [string, string[]][] {
  if (typeof node !== 'object' || node === null) return out;
  const n = node as SchemaNode & Record<string, unknown>;
  if (n.properties !== undefined) out.push([at, Object.keys(n.properties)]);
  for (const [k, v] of Object.entries(n)) if (typeof v === 'object') propertyMaps(v, `${at}/${k}`, out);
  return out;
}

describe('the published schema and docs/policy.md', () => {
  it('the schema is the one the compiler validates with', () => {
    expect(POLICY_SCHEMA).toBe(schema);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('every $ref resolves', () => {
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/\$defs\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(schema.$defs, r).toHaveProperty(r);
  });

  it('every object in the schema refuses unknown fields, so the schema is exactly what the compiler accepts', () => {
    for (const [at] of propertyMaps(schema, '#', [])) {
      const node = at.split('/').slice(1).reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], schema) as SchemaNode;
      expect(node.additionalProperties, at).toBe(false);
    }
  });

  it('documents every field of the schema', () => {
    for (const [at, names] of propertyMaps(schema, '#', [])) {
      for (const name of names) expect(policyDocs.includes(`\`${name}\``), `${at}: ${name} is not documented`).toBe(true);
    }
  });

  it('shows the tested incident policy verbatim', () => {
    expect(policyDocs).toContain(example.slice(example.indexOf('apiVersion:')));
  });

  it('every YAML example in the docs validates and compiles', () => {
    const blocks = yamlBlocks(policyDocs);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) {
      const text = block.startsWith('apiVersion:') ? block : HEADER + block;
      const r = compilePolicy(text);
      expect(r.ok ? [] : r.errors, block.slice(0, 60)).toEqual([]);
    }
  });

  it('documents every error code the compiler can produce', () => {
    const codes = ['yaml.syntax', 'json.syntax', 'input.invalid', 'schema.unknown_field', 'schema.missing_field', 'schema.type', 'schema.enum', 'schema.pattern', 'schema.range', 'schema.size', 'cel.syntax', 'cel.type', 'cel.too_complex', 'rule.duplicate_id', 'rule.reserved_id', 'time.invalid_zone', 'time.invalid', 'time.invalid_range', 'cidr.invalid', 'baseline.invalid', 'policy.too_large', 'internal.error'];
    for (const code of codes) expect(policyDocs, code).toContain(`| \`${code}\` |`);
  });
});
