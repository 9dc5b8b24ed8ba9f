// A realistic tenant policy of N rules, described once and rendered both as a Thoth
// document and as an equivalent Cedar policy set, plus a request mix to decide on.
// Seeded, so every run benchmarks the same policies and requests.

export type Effect = 'allow' | 'deny';

/** Conditions over `args`: the subset both CEL and Cedar express the same way. */
export type Condition =
  | { readonly kind: 'cmp'; readonly field: 'limit'; readonly op: '>' | '>=' | '<' | '<='; readonly value: number }
  | { readonly kind: 'eq'; readonly field: 'table' | 'mode'; readonly value: string }
  | { readonly kind: 'flag'; readonly field: 'dry_run'; readonly value: boolean }
  | { readonly kind: 'in'; readonly field: 'table'; readonly values: readonly string[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition };

export type AgentSelector =
  | { readonly kind: 'any' }
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | { readonly kind: 'label'; readonly key: 'team'; readonly value: string };

export interface RuleSpec {
  readonly id: string;
  readonly effect: Effect;
  readonly agents: AgentSelector;
  /** Glob over tool names; `*` matches any run of characters. */
  readonly tool: string;
  /** Glob over resources of the form `<service>/<table>`, or every resource. */
  readonly resource?: string;
  readonly when?: Condition;
}

export interface FreezeSpec {
  readonly id: string;
  readonly tool: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly exceptAgents: readonly string[];
}

export interface CredentialSpec {
  readonly id: string;
  readonly fingerprint: string;
  readonly agents: readonly string[];
  readonly resource: string;
  readonly regions: readonly string[];
}

/** Stateful: no Cedar equivalent. Thresholds are high so the bench mix stays mostly allowed. */
export interface LimitSpec {
  readonly id: string;
  readonly tool: string;
  readonly per: 'agent' | 'agent_tool';
  readonly windowSeconds: number;
  readonly maxCalls: number;
}

export interface Agent {
  readonly id: string;
  readonly team: string;
  readonly env: 'prod' | 'staging';
}

export interface TenantPolicy {
  readonly rules: readonly RuleSpec[];
  readonly freezes: readonly FreezeSpec[];
  readonly credentials: readonly CredentialSpec[];
  readonly limits: readonly LimitSpec[];
  readonly agents: readonly Agent[];
  readonly tools: readonly string[];
  readonly tables: readonly string[];
}

export interface RequestArgs {
  readonly table: string;
  readonly limit: number;
  readonly mode: string;
  readonly dry_run: boolean;
  readonly ids: readonly string[];
}

export interface TenantRequest {
  readonly agent: Agent;
  readonly tool: string;
  readonly resource: string;
  readonly args: RequestArgs;
  readonly credential: string;
  readonly region: string;
  readonly ip: string;
  readonly atMs: number;
}

export const TEAMS = ['sales', 'support', 'finance', 'platform', 'growth', 'legal'] as const;
export const TABLES = ['contacts', 'companies', 'executives', 'deals', 'invoices', 'tickets', 'users', 'logs'];
export const MODES = ['sync', 'async', 'batch'];
export const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const VERBS = ['read', 'list', 'search', 'get', 'create', 'update', 'export', 'delete', 'bulk_delete', 'drop_table'];
const SERVICE_WORDS = ['crm', 'billing', 'hr', 'github', 'slack', 'jira', 's3', 'db', 'email', 'calendar'];
const DESTRUCTIVE = new Set(['delete', 'bulk_delete', 'drop_table']);

/** The bench's fixed "now": a Tuesday in 2025, inside the freeze generated below. */
export const BENCH_NOW_MS = Date.parse('2025-07-15T10:00:00Z');

/** mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  const x = xs[Math.floor(rand() * xs.length)];
  if (x === undefined) throw new Error('pick from empty list');
  return x;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function generateTenantPolicy(ruleCount: number, seed = 1): TenantPolicy {
  const rand = seededRandom(seed * 7919 + ruleCount);
  const serviceCount = Math.min(100, Math.max(3, Math.round(ruleCount / 10)));
  const services = Array.from({ length: serviceCount }, (_, i) =>
    i < SERVICE_WORDS.length ? (SERVICE_WORDS[i] as string) : `${SERVICE_WORDS[i % SERVICE_WORDS.length]}${Math.floor(i / SERVICE_WORDS.length)}`,
  );
  const tools = services.flatMap((s) => VERBS.map((v) => `${s}.${v}`));
  const agentCount = Math.max(6, Math.min(200, Math.round(ruleCount / 5)));
  const agents: Agent[] = Array.from({ length: agentCount }, (_, i) => ({
    id: `agent-${String(i).padStart(4, '0')}`,
    team: TEAMS[i % TEAMS.length] as string,
    env: i % 4 === 3 ? 'staging' : 'prod',
  }));

  const condition = (destructive: boolean, depth = 0): Condition => {
    const r = rand();
    if (depth < 1 && r < 0.25) {
      return { kind: rand() < 0.6 ? 'and' : 'or', left: condition(destructive, depth + 1), right: condition(destructive, depth + 1) };
    }
    const leaf = rand();
    if (leaf < 0.35) {
      const op = pick(rand, ['>', '>=', '<', '<='] as const);
      const value = destructive ? pick(rand, [10, 50, 100, 500]) : pick(rand, [100, 1000, 5000]);
      return { kind: 'cmp', field: 'limit', op, value };
    }
    if (leaf < 0.55) return { kind: 'eq', field: 'table', value: pick(rand, TABLES) };
    if (leaf < 0.7) return { kind: 'eq', field: 'mode', value: pick(rand, MODES) };
    if (leaf < 0.8) return { kind: 'flag', field: 'dry_run', value: rand() < 0.5 };
    const values = [...new Set([pick(rand, TABLES), pick(rand, TABLES), pick(rand, TABLES)])];
    return { kind: 'in', field: 'table', values };
  };

  const agentSelector = (): AgentSelector => {
    const r = rand();
    if (r < 0.5) return { kind: 'label', key: 'team', value: pick(rand, TEAMS) };
    if (r < 0.85) {
      const ids = [...new Set([pick(rand, agents).id, pick(rand, agents).id])];
      return { kind: 'ids', ids };
    }
    return { kind: 'any' };
  };

  const rules: RuleSpec[] = [];
  for (let i = 0; rules.length < ruleCount; i++) {
    const id = `r${String(i).padStart(4, '0')}`;
    const service = pick(rand, services);
    const r = rand();
    if (r < 0.6) {
      // Allow a specific tool, often for a team, often with a condition.
      const verb = pick(rand, VERBS.filter((v) => !DESTRUCTIVE.has(v)));
      rules.push({
        id,
        effect: 'allow',
        agents: agentSelector(),
        tool: `${service}.${verb}`,
        ...(rand() < 0.3 ? { resource: `${service}/*` } : {}),
        ...(rand() < 0.5 ? { when: condition(false) } : {}),
      });
    } else if (r < 0.75) {
      // Allow a whole service, or a verb family, to a team.
      rules.push({
        id,
        effect: 'allow',
        agents: { kind: 'label', key: 'team', value: pick(rand, TEAMS) },
        tool: rand() < 0.6 ? `${service}.*` : `${service}.${pick(rand, ['get', 'list', 'read'])}*`,
        ...(rand() < 0.5 ? { when: condition(false) } : {}),
      });
    } else if (r < 0.97) {
      // Deny destructive calls above a size or on sensitive tables.
      const verb = pick(rand, [...DESTRUCTIVE]);
      rules.push({
        id,
        effect: 'deny',
        agents: rand() < 0.7 ? { kind: 'any' } : agentSelector(),
        tool: rand() < 0.8 ? `${service}.${verb}` : `${service}.*delete*`,
        when: condition(true),
      });
    } else {
      // Tenant-wide guard rails over every service.
      rules.push({
        id,
        effect: 'deny',
        agents: { kind: 'any' },
        tool: '*.drop_table',
        when: { kind: 'flag', field: 'dry_run', value: false },
      });
    }
  }
  // Destructive calls must be allowed somewhere, or a deny rule could never matter.
  if (ruleCount >= 10) {
    const last = rules.length - 1;
    rules[last] = {
      id: rules[last]?.id ?? 'r-last',
      effect: 'allow',
      agents: { kind: 'label', key: 'team', value: 'platform' },
      tool: '*',
      when: { kind: 'cmp', field: 'limit', op: '<=', value: 1000 },
    };
  }

  const freezeService = services[0] as string;
  const freezes: FreezeSpec[] = [
    {
      id: 'release-freeze',
      tool: `${freezeService}.*delete*`,
      fromMs: Date.parse('2025-07-14T00:00:00Z'),
      toMs: Date.parse('2025-07-21T00:00:00Z'),
      exceptAgents: [agents[0]?.id ?? 'agent-0000'],
    },
  ];
  const credentials: CredentialSpec[] = [
    {
      id: 'crm-service-token',
      fingerprint: `sha256:${'c0ffee'.repeat(10)}abcd`,
      agents: agents.slice(0, 3).map((a) => a.id),
      resource: `${services[1] ?? freezeService}/*`,
      regions: ['eu-west-1', 'us-east-1'],
    },
  ];
  const limits: LimitSpec[] = [
    { id: 'deletes-per-agent', tool: '*.*delete*', per: 'agent', windowSeconds: 600, maxCalls: 1_000_000_000 },
    { id: 'calls-per-agent-tool', tool: '*', per: 'agent_tool', windowSeconds: 60, maxCalls: 1_000_000_000 },
  ];
  return { rules, freezes, credentials, limits, agents, tools, tables: TABLES };
}

export function evaluateCondition(c: Condition, args: RequestArgs): boolean {
  switch (c.kind) {
    case 'cmp':
      return c.op === '>' ? args.limit > c.value : c.op === '>=' ? args.limit >= c.value : c.op === '<' ? args.limit < c.value : args.limit <= c.value;
    case 'eq':
      return args[c.field] === c.value;
    case 'flag':
      return args.dry_run === c.value;
    case 'in':
      return c.values.includes(args.table);
    case 'and':
      return evaluateCondition(c.left, args) && evaluateCondition(c.right, args);
    case 'or':
      return evaluateCondition(c.left, args) || evaluateCondition(c.right, args);
  }
}

/**
 * A mix of requests: most aimed at an allow rule (args drawn until its condition
 * holds), the rest random. Deny rules, the freeze and the credential binding deny
 * some of either kind.
 */
export function generateRequests(policy: TenantPolicy, count: number, seed = 2): TenantRequest[] {
  const rand = seededRandom(seed * 104729 + policy.rules.length);
  const allowRules = policy.rules.filter((r) => r.effect === 'allow');
  const credential = policy.credentials[0];
  const randomArgs = (): RequestArgs => ({
    table: pick(rand, TABLES),
    limit: pick(rand, [1, 5, 20, 80, 200, 800, 2000, 10_000]),
    mode: pick(rand, MODES),
    dry_run: rand() < 0.3,
    ids: Array.from({ length: Math.floor(rand() * 4) }, (_, i) => `id-${i}`),
  });
  const requests: TenantRequest[] = [];
  while (requests.length < count) {
    const aimed = rand() < 0.85 && allowRules.length > 0;
    const rule = aimed ? pick(rand, allowRules) : undefined;
    let agent = pick(rand, policy.agents);
    if (rule?.agents.kind === 'ids') {
      const id = pick(rand, rule.agents.ids);
      agent = policy.agents.find((a) => a.id === id) ?? agent;
    } else if (rule?.agents.kind === 'label') {
      const value = rule.agents.value;
      agent = pick(rand, policy.agents.filter((a) => a.team === value));
    }
    const toolRe = rule ? globToRegExp(rule.tool) : undefined;
    const candidates = toolRe ? policy.tools.filter((t) => toolRe.test(t)) : policy.tools;
    const tool = pick(rand, candidates.length > 0 ? candidates : policy.tools);
    let args = randomArgs();
    for (let i = 0; rule?.when && i < 30 && !evaluateCondition(rule.when, args); i++) args = randomArgs();
    const service = tool.slice(0, tool.indexOf('.'));
    const usesBound = credential !== undefined && rand() < 0.1;
    requests.push({
      agent,
      tool,
      resource: `${service}/${args.table}`,
      args,
      credential: usesBound ? credential.fingerprint : `sha256:${agent.id}`,
      region: rand() < 0.9 ? 'eu-west-1' : pick(rand, REGIONS),
      ip: `10.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
      atMs: BENCH_NOW_MS,
    });
  }
  return requests;
}
