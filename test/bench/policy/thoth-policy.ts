// The tenant policy as a Thoth v1 document plus the tenant context (agent directory),
// and its requests as `DecisionRequest`s.
import type { DecisionRequest, TenantContext } from '@thoth/policy';
import type { Condition, TenantPolicy, TenantRequest } from './tenant-policy.js';

export const BENCH_TENANT = '7e0a0000-0000-4000-8000-00000000be01';

export function celCondition(c: Condition): string {
  const str = JSON.stringify;
  switch (c.kind) {
    case 'cmp':
      return `args.${c.field} ${c.op} ${c.value}`;
    case 'eq':
      return `args.${c.field} == ${str(c.value)}`;
    case 'flag':
      return `args.${c.field} == ${c.value}`;
    case 'in':
      return `args.${c.field} in [${c.values.map((v) => str(v)).join(', ')}]`;
    case 'and':
      return `(${celCondition(c.left)} && ${celCondition(c.right)})`;
    case 'or':
      return `(${celCondition(c.left)} || ${celCondition(c.right)})`;
  }
}

const isoMs = (ms: number) => new Date(ms).toISOString();

/** The document as a JS object (what a YAML or JSON file would parse to). */
export function thothDocument(policy: TenantPolicy, name = 'bench'): Record<string, unknown> {
  return {
    apiVersion: 'thoth.dev/policy/v1',
    kind: 'Policy',
    metadata: { name, version: `rules-${policy.rules.length}` },
    defaults: { effect: 'deny', mode: 'enforce' },
    rules: policy.rules.map((r) => ({
      id: r.id,
      effect: r.effect,
      severity: r.effect === 'deny' ? 'high' : 'low',
      match: {
        ...(r.agents.kind === 'ids' ? { agents: { ids: [...r.agents.ids] } } : {}),
        ...(r.agents.kind === 'label' ? { agents: { labels: { [r.agents.key]: r.agents.value } } } : {}),
        tools: [r.tool],
        ...(r.resource ? { resources: [r.resource] } : {}),
      },
      ...(r.when ? { when: celCondition(r.when) } : {}),
      reason: `${r.effect === 'deny' ? 'blocked' : 'permitted'} by ${r.id}`,
    })),
    limits: policy.limits.map((l) => ({
      id: l.id,
      match: { tools: [l.tool] },
      scope: l.per,
      window: { duration: `${l.windowSeconds}s`, maxCalls: l.maxCalls },
    })),
    freezes: policy.freezes.map((f) => ({
      id: f.id,
      match: { tools: [f.tool] },
      timeZone: 'UTC',
      ranges: [{ start: isoMs(f.fromMs), end: isoMs(f.toMs) }],
      exceptions: [{ name: 'on-call', agents: { ids: [...f.exceptAgents] } }],
    })),
    credentials: {
      onViolation: 'deny',
      unbound: 'allow',
      bindings: policy.credentials.map((c) => ({
        fingerprint: c.fingerprint,
        agents: [...c.agents],
        resources: [c.resource],
        regions: [...c.regions],
      })),
    },
  };
}

export function thothTenant(policy: TenantPolicy): TenantContext {
  return {
    mode: 'enforce',
    agents: policy.agents.map((a) => ({ id: a.id, status: 'active', labels: { team: a.team }, environment: a.env })),
  };
}

export function thothRequest(req: TenantRequest): DecisionRequest {
  return {
    tenantId: BENCH_TENANT,
    agent: { id: req.agent.id },
    tool: req.tool,
    args: req.args,
    resource: req.resource,
    credential: { fingerprint: req.credential },
    source: { ip: req.ip, region: req.region },
    time: req.atMs,
  };
}
