import { Command } from 'commander';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';

interface Enforcer {
  id: string;
  name: string;
  status: string;
  activeConfig: { version: number } | null;
  lastRejection: { version: number; reason: string } | null;
  lastSeenAt: string | null;
}

/** `thoth enforcers`: the tenant's enforcers, the snapshot version each runs, its last refusal (a rollout's progress). */
export function enforcersCommand(env: Environment): Command {
  return new Command('enforcers')
    .description("the tenant's enforcers and the config version each has activated")
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const { items } = await (await ctx.api()).get<{ items: Enforcer[] }>('/v1/enforcers');
      ctx.out.result(items, () =>
        items.map(
          (e) =>
            `${e.id}  ${e.name}  ${e.status}  config ${e.activeConfig ? `v${e.activeConfig.version}` : 'none'}${e.lastRejection ? `  refused v${e.lastRejection.version}: ${e.lastRejection.reason}` : ''}  seen ${e.lastSeenAt ?? 'never'}`,
        ),
      );
    });
}
