import { jitteredBackoffMs } from '@thoth/backoff';
import { Command, Option } from 'commander';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';
import { CliError, EXIT } from '../output/cli-error.js';

interface Decision {
  decisionId: string;
  agentId: string;
  tool: string;
  resource: string;
  outcome: 'allow' | 'deny' | 'would_deny' | 'approval_required';
  matchedRules: Array<{ ruleId: string; effect: string }>;
  decidedAt: string;
}

const FILTERS = ['agent', 'tool', 'credential', 'resource'] as const;

/** `thoth decisions`: search the recorded decisions (newest first, a page at a time) or tail them as they are ingested. */
export function decisionsCommand(env: Environment): Command {
  const decisions = new Command('decisions').description("search the tenant's recorded decisions, or tail them live");

  const search = decisions
    .command('search')
    .description('recorded decisions, newest first (GET /v1/decisions); --cursor the `next` of a previous page')
    .option('--from <time>', 'decided at or after (ISO 8601)')
    .option('--to <time>', 'decided before (ISO 8601)')
    .option('--limit <n>', 'at most this many (1–1000)', '100')
    .option('--cursor <cursor>', 'the `next` of the previous page');
  withFilters(search).action(async (options: Record<string, string | undefined>, command: Command) => {
    const ctx = contextOf(command, env);
    const page = await (await ctx.api()).get<{ items: Decision[]; next: string | null }>('/v1/decisions', { query: options });
    ctx.out.result(page, () => [...page.items.map(line), ...(page.next ? [`next: ${page.next}`] : [])]);
  });

  const tail = decisions
    .command('tail')
    .description('follow decisions as they are ingested (GET /v1/decisions/stream); reconnects and resumes where it stopped')
    .option('--cursor <cursor>', 'start after this position (a decision\'s cursor, or `next` of a search); default: from now on')
    .option('--count <n>', 'stop after this many decisions', positive);
  withFilters(tail).action(async (options: Record<string, string | number | undefined>, command: Command) => {
    const ctx = contextOf(command, env);
    const api = await ctx.api();
    const { cursor: start, count, ...filters } = options as { cursor?: string; count?: number } & Record<string, string | undefined>;
    let cursor = start;
    let seen = 0;
    let failures = 0;
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    while (!stop.signal.aborted && (count === undefined || seen < count)) {
      try {
        const response = await api.open('/v1/decisions/stream', {
          query: { ...filters, ...(cursor !== undefined ? { cursor } : {}) },
          headers: { accept: 'text/event-stream' },
          signal: stop.signal,
        });
        failures = 0;
        ctx.out.note(`following decisions ${cursor === undefined ? 'from now on' : `after ${cursor}`}`);
        const events = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        for await (const event of events) {
          if (event.event !== 'decision') continue;
          const decision = JSON.parse(event.data) as Decision;
          cursor = event.id;
          ctx.out.item({ ...decision, cursor }, () => line(decision));
          if (count !== undefined && ++seen >= count) break;
        }
        if (count !== undefined && seen >= count) break;
      } catch (error) {
        if (stop.signal.aborted) break;
        // Refusals (a bad key, a bad cursor) end the tail; a lost connection is tried again.
        if (error instanceof CliError && error.exitCode !== EXIT.unavailable) throw error;
        if (!(error instanceof CliError) && !(error instanceof TypeError)) throw error;
      }
      if (stop.signal.aborted || (count !== undefined && seen >= count)) break;
      ctx.out.note(`stream ended; resuming${cursor ? ` after ${cursor}` : ''}`);
      await sleep(jitteredBackoffMs(Math.min(failures++, 5), { baseMs: 500, maxMs: 15_000, jitter: 'full' }), undefined, { signal: stop.signal }).catch(() => {});
    }
    stop.abort();
    if (cursor !== undefined) ctx.out.note(`resume with: thoth decisions tail --cursor ${cursor}`);
  });

  return decisions;
}

function withFilters(command: Command): Command {
  for (const filter of FILTERS) command.option(`--${filter} <${filter}>`, `only decisions with this ${filter}`);
  return command.addOption(new Option('--outcome <outcome>', 'only this outcome').choices(['allow', 'deny', 'would_deny', 'approval_required']));
}

function line(d: Decision): string {
  const rules = d.matchedRules.filter((r) => r.effect === 'deny').map((r) => r.ruleId);
  return `${d.decidedAt}  ${d.outcome.padEnd(10)} ${d.agentId}  ${d.tool}${d.resource ? ` ${d.resource}` : ''}${rules.length ? `  [${rules.join(', ')}]` : ''}  ${d.decisionId}`;
}

function positive(text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new CliError('usage.count', `--count: a positive whole number, not ${text}`, EXIT.usage);
  return Number(text);
}
