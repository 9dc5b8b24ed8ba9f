import { Command, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import type { ThothApi } from '../api/thoth-api.js';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';
import { CliError, EXIT } from '../output/cli-error.js';

interface Agent {
  id: string;
  name: string;
  status: 'active' | 'suspended' | 'retired';
  statusReason: string | null;
  labels: Record<string, string>;
  version: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `thoth agents`: list, register, and the kill switch (suspend, resume). An agent is named by id or by name. */
export function agentsCommand(env: Environment): Command {
  const agents = new Command('agents').description('list and register agents; suspend (the kill switch) and resume them');

  agents
    .command('list')
    .description("the tenant's agents")
    .addOption(new Option('--status <status>', 'only agents in this status').choices(['active', 'suspended', 'retired']))
    .action(async (options: { status?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const { items } = await (await ctx.api()).get<{ items: Agent[] }>('/v1/agents', { query: { status: options.status } });
      ctx.out.result(items, () => items.map((a) => `${a.id}  ${a.name}  ${a.status}${a.statusReason ? ` (${a.statusReason})` : ''}`));
    });

  agents
    .command('register')
    .description('register an agent; its token (shown once by the API) is not printed: --token-file keeps it')
    .argument('<name>', 'the agent name policies match')
    .option('--label <key=value...>', 'labels', [])
    .option('--token-file <path>', 'write the agent token to this file (mode 0600)')
    .action(async (name: string, options: { label: string[]; tokenFile?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const labels = Object.fromEntries(
        options.label.map((l) => {
          const at = l.indexOf('=');
          if (at < 1) throw new CliError('usage.label', `--label ${l}: expected key=value`, EXIT.usage);
          return [l.slice(0, at), l.slice(at + 1)];
        }),
      );
      const answer = await (await ctx.api()).post<{ agent: Agent; token: string }>('/v1/agents', { body: { name, labels } });
      if (options.tokenFile !== undefined) {
        await writeFile(options.tokenFile, `${answer.token}\n`, { mode: 0o600 });
      }
      ctx.out.result(answer.agent, () => `agent ${answer.agent.id} (${answer.agent.name}) registered${options.tokenFile ? `; its token is in ${options.tokenFile}` : ''}`);
    });

  for (const [verb, description] of [
    ['suspend', 'the kill switch: every call of the agent is denied from the next snapshot on'],
    ['resume', 'let a suspended agent act again'],
  ] as const) {
    const sub = agents
      .command(verb)
      .description(description)
      .argument('<agent>', 'agent id or name');
    if (verb === 'suspend') sub.option('--reason <text>', 'why (kept in the audit trail)');
    sub.action(async (ref: string, options: { reason?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const api = await ctx.api();
      const agent = await findAgent(api, ref);
      const body = verb === 'suspend' ? { reason: options.reason ?? null } : {};
      const view = await api.post<Agent>(`/v1/agents/${agent.id}/${verb}`, { body });
      ctx.out.result(view, () => `agent ${view.name} (${view.id}) is ${view.status}`);
    });
  }

  return agents;
}

/** An agent by id, or by the name policies match (a retired one is not found by name). */
export async function findAgent(api: ThothApi, ref: string): Promise<Agent> {
  if (UUID.test(ref)) return api.get<Agent>(`/v1/agents/${ref}`);
  const { items } = await api.get<{ items: Agent[] }>('/v1/agents');
  const agent = items.find((a) => a.name === ref && a.status !== 'retired');
  if (!agent) throw new CliError('agent.not_found', `no agent named ${ref}`, EXIT.refused);
  return agent;
}
