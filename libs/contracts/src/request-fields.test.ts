import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { DecideRequestSchema } from './gen/thoth/decision/v1/decision_pb.js';
import { decideRequestProblem, jsonNestsDeeperThan } from './request-fields.js';

const TENANT = '0b6f3a56-1c1e-4c8e-9a57-3f4c2d1e0a99';
const request = (fields: Parameters<typeof create<typeof DecideRequestSchema>>[1] = {}) =>
  create(DecideRequestSchema, { tenantId: TENANT, agentId: 'crm-agent', tool: 'crm.read_contacts', ...fields });

describe('decideRequestProblem', () => {
  it('accepts a well-formed request, and leaves empty tenant, agent and tool to MISSING_FIELD', () => {
    expect(decideRequestProblem(request({ resource: 'crm://contacts/é', requestId: 'r-1', source: { ip: '10.0.0.1', region: 'eu-west-1' } }))).toBeUndefined();
    expect(decideRequestProblem(request({ tenantId: '', agentId: '', tool: '' }))).toBeUndefined();
  });

  it.each([
    ['a tenant that is not a UUID', { tenantId: 'acme' }, 'tenant_id'],
    ['an upper-case UUID', { tenantId: TENANT.toUpperCase() }, 'tenant_id'],
    ['an agent id with a space', { agentId: 'crm agent' }, 'agent_id'],
    ['an agent id over 200 characters', { agentId: 'a'.repeat(201) }, 'agent_id'],
    ['a NUL in the tool', { tool: 'crm.read\u0000' }, 'tool'],
    ['a DEL in the tool', { tool: 'crm.read\u007f' }, 'tool'],
    ['a C1 control in the tool', { tool: 'crm.read\u009b' }, 'tool'],
    ['a lone surrogate in the tool', { tool: 'crm.read\uD800' }, 'tool'],
    ['a tool over 256 characters', { tool: 't'.repeat(257) }, 'tool'],
    ['a newline in the resource', { resource: 'crm://x\ny' }, 'resource'],
    ['a resource over 2048 characters', { resource: 'r'.repeat(2049) }, 'resource'],
    ['a NUL in the request id', { requestId: 'r\u0000' }, 'request_id'],
    ['a control character in the credential fingerprint', { credentialFingerprint: 'ab\u0001' }, 'credential_fingerprint'],
    ['a lone surrogate in the source region', { source: { region: '\uDC00' } }, 'source.region'],
  ] as const)('refuses %s', (_, fields, field) => {
    expect(decideRequestProblem(request(fields))).toMatchObject({ field });
  });
});

describe('jsonNestsDeeperThan', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const nested = (depth: number) => `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;

  it('counts arrays and objects alike, up to the limit inclusive', () => {
    expect(jsonNestsDeeperThan(bytes(nested(64)), 64)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(nested(66)), 64)).toBe(true);
    expect(jsonNestsDeeperThan(bytes(`[${'[]'.repeat(10_000)}]`), 2)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ sql: '[[[[{{{{' , q: 'say \\"[[[[\\"' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify(['\\', ['x']])), 1)).toBe(true);
  });
});
