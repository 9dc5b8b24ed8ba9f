// The fleet benchmark's tenant: one policy with two per-agent limits over an hour, and the agents
// the phases use. `fleet.lag` calls are counted and never denied (the lag and CPU phases);
// `fleet.burst` calls are allowed BURST_MAX_CALLS times per agent, fleet-wide when the enforcers
// share their windows (the overshoot phases, each with an agent of its own).
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { AgentStatus, DecideRequestSchema, FailMode, PolicyFormat, TenantMode, type DecideRequest, type EnforcerConfigSchema } from '@thoth/contracts';
import { createHash } from 'node:crypto';

export const FLEET_TENANT = '7e0a0000-0000-4000-8000-0000000f1ee7';
export const BURST_MAX_CALLS = 200;
export const LAG_TOOL = 'fleet.lag';
export const BURST_TOOL = 'fleet.burst';

/** Agents of the lag and CPU phases: their calls spread over the partitions of the decision topic. */
export const LOAD_AGENTS = Array.from({ length: 8 }, (_, i) => `load-agent-${i}`);
/** One agent per overshoot phase, so that each starts from an empty window. */
export const burstAgent = (phase: string): string => `burst-agent-${phase}`;

export const tokenOf = (agentId: string): string => `thoth_at_fleet_${agentId}`;
const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function fleetDocument(): object {
  return {
    apiVersion: 'thoth.dev/policy/v1',
    kind: 'Policy',
    metadata: { name: 'fleet-bench', version: '1' },
    defaults: { effect: 'allow', mode: 'enforce' },
    rules: [],
    limits: [
      {
        id: 'fleet-lag-counted',
        description: 'Counts every call, denies none: its counters are what peers fold.',
        match: { tools: [LAG_TOOL] },
        window: { duration: '1h', maxCalls: 100_000_000 },
        scope: 'agent',
      },
      {
        id: 'fleet-burst',
        description: 'The limit the overshoot is measured against.',
        match: { tools: [BURST_TOOL] },
        window: { duration: '1h', maxCalls: BURST_MAX_CALLS },
        scope: 'agent',
        severity: 'high',
      },
    ],
  };
}

export function fleetConfig(agents: readonly string[]): MessageInitShape<typeof EnforcerConfigSchema> {
  return {
    tenantId: FLEET_TENANT,
    mode: TenantMode.ENFORCE,
    failMode: FailMode.CLOSED,
    policy: { version: 1n, format: PolicyFormat.JSON, content: new TextEncoder().encode(JSON.stringify(fleetDocument())) },
    agents: agents.map((agentId) => ({ agentId, status: AgentStatus.ACTIVE, labels: { team: 'bench' }, tokenSha256: [sha256Hex(tokenOf(agentId))] })),
  };
}

export function fleetRequest(agentId: string, tool: string): DecideRequest {
  return create(DecideRequestSchema, {
    tenantId: FLEET_TENANT,
    agentId,
    tool,
    argumentsJson: new TextEncoder().encode('{"table":"accounts"}'),
    resource: 'crm/accounts',
  });
}
