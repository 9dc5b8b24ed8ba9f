import { Command } from 'commander';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';

interface AuditEvent {
  position: string;
  recordedAt: string;
  actor: string;
  type: string;
  streamId: string;
}

/** `thoth events`: the control plane's audit trail of the tenant (GET /v1/audit): who changed what, oldest first. */
export function eventsCommand(env: Environment): Command {
  return new Command('events')
    .description("the tenant's audit trail: every change, who made it and when")
    .option('--limit <n>', 'at most this many')
    .option('--after <position>', '`next` of the previous page')
    .action(async (options: { limit?: string; after?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const page = await (await ctx.api()).get<{ items: AuditEvent[]; next: string | null }>('/v1/audit', { query: options });
      ctx.out.result(page, () => [...page.items.map((e) => `${e.recordedAt} ${e.actor} ${e.type}`), ...(page.next ? [`next: ${page.next}`] : [])]);
    });
}
