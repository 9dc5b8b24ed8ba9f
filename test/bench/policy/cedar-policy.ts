// The tenant policy as Cedar: tool → action, agent → principal, resource → resource,
// conditions on context. Tool globs become `action in [...]` over the tenant's tool
// catalog (Cedar actions have no globs); resource globs become `like` on a path
// attribute. Limits are stateful and have no Cedar equivalent.
import type { AuthorizationCall, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { globToRegExp, type AgentSelector, type Condition, type TenantPolicy, type TenantRequest } from './tenant-policy.js';

const str = (s: string) => JSON.stringify(s);
const action = (tool: string) => `Action::${str(tool)}`;
const agent = (id: string) => `Agent::${str(id)}`;

function actionScope(policy: TenantPolicy, glob: string): string {
  if (glob === '*') return 'action';
  const re = globToRegExp(glob);
  const tools = policy.tools.filter((t) => re.test(t));
  if (tools.length === 1) return `action == ${action(tools[0] as string)}`;
  // An empty list matches nothing, as a glob that names no tool of the catalog would.
  return `action in [${tools.map(action).join(', ')}]`;
}

function principalScope(selector: AgentSelector): { scope: string; when?: string } {
  switch (selector.kind) {
    case 'any':
      return { scope: 'principal' };
    case 'ids':
      return selector.ids.length === 1
        ? { scope: `principal == ${agent(selector.ids[0] as string)}` }
        : { scope: 'principal', when: `[${selector.ids.map(agent).join(', ')}].contains(principal)` };
    case 'label':
      return { scope: 'principal', when: `principal.${selector.key} == ${str(selector.value)}` };
  }
}

export function cedarCondition(c: Condition): string {
  switch (c.kind) {
    case 'cmp':
      return `context.args.${c.field} ${c.op} ${c.value}`;
    case 'eq':
      return `context.args.${c.field} == ${str(c.value)}`;
    case 'flag':
      return `context.args.${c.field} == ${c.value}`;
    case 'in':
      return `[${c.values.map(str).join(', ')}].contains(context.args.${c.field})`;
    case 'and':
      return `(${cedarCondition(c.left)} && ${cedarCondition(c.right)})`;
    case 'or':
      return `(${cedarCondition(c.left)} || ${cedarCondition(c.right)})`;
  }
}

export function cedarPolicySet(policy: TenantPolicy): string {
  const out: string[] = [];
  for (const rule of policy.rules) {
    const p = principalScope(rule.agents);
    const when = [p.when, rule.resource ? `resource.path like ${str(rule.resource)}` : undefined, rule.when ? cedarCondition(rule.when) : undefined].filter(
      (x): x is string => x !== undefined,
    );
    out.push(
      `@id(${str(rule.id)})\n${rule.effect === 'allow' ? 'permit' : 'forbid'}(${p.scope}, ${actionScope(policy, rule.tool)}, resource)` +
        (when.length > 0 ? `\nwhen { ${when.join(' && ')} }` : '') +
        ';',
    );
  }
  for (const f of policy.freezes) {
    const except = f.exceptAgents.length > 0 ? `\nunless { [${f.exceptAgents.map(agent).join(', ')}].contains(principal) }` : '';
    out.push(
      `@id(${str(`freeze:${f.id}`)})\nforbid(principal, ${actionScope(policy, f.tool)}, resource)\n` +
        `when { context.now_ms >= ${f.fromMs} && context.now_ms < ${f.toMs} }${except};`,
    );
  }
  for (const c of policy.credentials) {
    out.push(
      `@id(${str(`credential:${c.id}`)})\nforbid(principal, action, resource)\nwhen { context.credential == ${str(c.fingerprint)} }\n` +
        `unless { [${c.agents.map(agent).join(', ')}].contains(principal) && resource.path like ${str(c.resource)} && ` +
        `[${c.regions.map(str).join(', ')}].contains(context.region) };`,
    );
  }
  return out.join('\n\n');
}

export type CedarRequest = Omit<AuthorizationCall, 'policies'>;

/** The entities and context a Cedar request carries for one tool call. */
export function cedarRequest(req: TenantRequest): CedarRequest {
  const entities: EntityJson[] = [
    { uid: { type: 'Agent', id: req.agent.id }, attrs: { team: req.agent.team, env: req.agent.env }, parents: [] },
    { uid: { type: 'Resource', id: req.resource }, attrs: { path: req.resource }, parents: [] },
  ];
  return {
    principal: { type: 'Agent', id: req.agent.id },
    action: { type: 'Action', id: req.tool },
    resource: { type: 'Resource', id: req.resource },
    context: {
      args: { ...req.args, ids: [...req.args.ids] },
      credential: req.credential,
      region: req.region,
      ip: req.ip,
      now_ms: req.atMs,
    },
    entities,
  };
}
