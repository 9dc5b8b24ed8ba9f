import { Command } from 'commander';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';
import { CliError, EXIT } from '../output/cli-error.js';

interface ShadowReport {
  id: string;
  trigger: string;
  window: { from: string; to: string };
  report: { totals: { calls: number; allowed: number; wouldDeny: number; denied: number } };
}

/**
 * `thoth report`: the shadow report of the traffic so far (docs/shadow-trial.md), made on demand,
 * and with --link a link to read it in a browser that holds no API key.
 */
export function reportCommand(env: Environment): Command {
  return new Command('report')
    .description('make the shadow report of the traffic so far: what the agents did, what would have been blocked')
    .option('--link', 'also issue a link to read it in a browser (valid for --expires seconds)')
    .option('--expires <seconds>', "the link's life, 60–86400", '3600')
    .action(async (options: { link?: boolean; expires: string }, command: Command) => {
      const ctx = contextOf(command, env);
      if (!/^\d{1,6}$/.test(options.expires)) throw new CliError('usage.expires', `--expires: seconds, not ${options.expires}`, EXIT.usage);
      const api = await ctx.api();
      const report = await ctx.out.progress('making the report', () => api.post<ShadowReport>('/v1/shadow-reports', { body: {} }));
      const link = options.link
        ? await api.post<{ path: string; expiresAt: string }>(`/v1/shadow-reports/${report.id}/view-links`, { body: { expiresInSeconds: Number(options.expires) } })
        : undefined;
      const t = report.report.totals;
      ctx.out.result({ ...report, ...(link ? { link: { url: `${api.base}${link.path}`, expiresAt: link.expiresAt } } : {}) }, () => [
        `report ${report.id} (${report.trigger}, ${report.window.from} – ${report.window.to}): ${t.calls} calls, ${t.wouldDeny} would have been blocked, ${t.denied} blocked`,
        ...(link ? [`open ${api.base}${link.path}`] : []),
      ]);
    });
}
