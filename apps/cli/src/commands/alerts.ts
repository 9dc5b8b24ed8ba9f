import { Command, Option } from 'commander';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';

interface Alert {
  id: string;
  decisionId: string;
  kind: string;
  severity: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/** `thoth alerts`: what was sent (or is still owed) to the tenant's alert destinations. */
export function alertsCommand(env: Environment): Command {
  return new Command('alerts')
    .description("the tenant's alerts and their delivery")
    .addOption(new Option('--status <status>', 'only alerts in this state').choices(['pending', 'delivered', 'dead_letter']))
    .option('--limit <n>', 'at most this many')
    .option('--after <cursor>', '`next` of the previous page')
    .action(async (options: { status?: string; limit?: string; after?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const page = await (await ctx.api()).get<{ items: Alert[]; next: string | null }>('/v1/alerts', { query: options });
      ctx.out.result(page, () => [
        ...page.items.map((a) => `${a.createdAt}  ${a.severity.padEnd(8)} ${a.kind}  ${a.status} (${a.attempts} attempts${a.lastError ? `, ${a.lastError}` : ''})  decision ${a.decisionId}`),
        ...(page.next ? [`next: ${page.next}`] : []),
      ]);
    });
}
