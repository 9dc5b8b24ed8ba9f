import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { DecideRequestSchema } from './gen/thoth/decision/v1/decision_pb.js';
import { GetApprovalRequestSchema } from './gen/thoth/decision/v1/enforcer_pb.js';
import { decideRequestProblem, getApprovalRequestProblem, jsonNestsDeeperThan } from './request-fields.js';

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
    ['an approval id over 200 characters', { approvalId: 'a'.repeat(201) }, 'approval_id'],
    ['an approval id with a space', { approvalId: '0193 9a' }, 'approval_id'],
    ['a NUL in the approval id', { approvalId: 'ap\u0000' }, 'approval_id'],
    ['a non-ASCII approval id', { approvalId: 'appr\u00e9' }, 'approval_id'],
  ] as const)('refuses %s', (_, fields, field) => {
    expect(decideRequestProblem(request(fields))).toMatchObject({ field });
  });

  it('accepts an approval id of 200 printable characters, and none', () => {
    expect(decideRequestProblem(request({ approvalId: 'a'.repeat(200) }))).toBeUndefined();
    expect(decideRequestProblem(request({ approvalId: '0193a6b2-7c1d-7e44-9f00-1b2c3d4e5f60' }))).toBeUndefined();
  });
});

describe('getApprovalRequestProblem', () => {
  const get = (fields: Parameters<typeof create<typeof GetApprovalRequestSchema>>[1] = {}) =>
    create(GetApprovalRequestSchema, { tenantId: TENANT, agentId: 'crm-agent', approvalId: '0193a6b2-7c1d-7e44-9f00-1b2c3d4e5f60', ...fields });

  it('accepts a well-formed request, and leaves empty fields to MISSING_FIELD', () => {
    expect(getApprovalRequestProblem(get())).toBeUndefined();
    expect(getApprovalRequestProblem(get({ tenantId: '', agentId: '', approvalId: '' }))).toBeUndefined();
  });

  it.each([
    ['a tenant that is not a UUID', { tenantId: 'acme' }, 'tenant_id'],
    ['an agent id with a newline', { agentId: 'a\nb' }, 'agent_id'],
    ['an approval id over 200 characters', { approvalId: 'x'.repeat(201) }, 'approval_id'],
    ['an approval id with a control character', { approvalId: 'x\u0085' }, 'approval_id'],
  ] as const)('refuses %s', (_, fields, field) => {
    expect(getApprovalRequestProblem(get(fields))).toMatchObject({ field });
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
