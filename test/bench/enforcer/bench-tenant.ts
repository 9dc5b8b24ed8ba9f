// Tenants for the enforcer benchmark: the policy benchmark's seeded N-rule policies as
// signed snapshots with agent tokens, and their requests as DecideRequests.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { AgentStatus, DecideRequestSchema, FailMode, PolicyFormat, TenantMode, type DecideRequest, type EnforcerConfigSchema } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { generateRequests, generateTenantPolicy, type TenantPolicy } from '../policy/tenant-policy.js';
import { thothDocument } from '../policy/thoth-policy.js';

export const tokenOf = (agentId: string) => `thoth_at_bench_${agentId}`;
const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function benchPolicy(rules: number, seed = 1): TenantPolicy {
  return generateTenantPolicy(rules, seed);
}

export function benchConfig(tenantId: string, policy: TenantPolicy, options: { suspended?: ReadonlySet<string> } = {}): MessageInitShape<typeof EnforcerConfigSchema> {
  return {
    tenantId,
    mode: TenantMode.ENFORCE,
    failMode: FailMode.CLOSED,
    policy: { version: 1n, format: PolicyFormat.JSON, content: new TextEncoder().encode(JSON.stringify(thothDocument(policy))) },
    agents: policy.agents.map((a) => ({
      agentId: a.id,
      status: options.suspended?.has(a.id) ? AgentStatus.SUSPENDED : AgentStatus.ACTIVE,
      labels: { team: a.team },
      tokenSha256: [sha256Hex(tokenOf(a.id))],
    })),
  };
}

export interface BenchCall {
  readonly request: DecideRequest;
  readonly token: string;
}

export function benchCalls(tenantId: string, policy: TenantPolicy, count: number): BenchCall[] {
  return generateRequests(policy, count).map((r) => ({
    token: tokenOf(r.agent.id),
    request: create(DecideRequestSchema, {
      tenantId,
      agentId: r.agent.id,
      tool: r.tool,
      argumentsJson: new TextEncoder().encode(JSON.stringify(r.args)),
      resource: r.resource,
      credentialFingerprint: r.credential,
      source: { ip: r.ip, region: r.region },
    }),
  }));
}
