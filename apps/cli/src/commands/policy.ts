import { compilePolicy, type CompiledPolicy, type PolicyError } from '@thoth/policy';
import { Command, Option } from 'commander';
import { createTwoFilesPatch, diffLines } from 'diff';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Environment } from '../config/environment.js';
import { contextOf, type Context } from '../context.js';
import { CliError, EXIT } from '../output/cli-error.js';
import { runTestFile, type CaseResult, type FileResult } from '../policy-tests/run-tests.js';
import { loadTestFile, readSource } from '../policy-tests/test-file.js';

/**
 * `thoth policy`: policy as code. validate, test and diff work offline with the enforcers' own
 * engine (@thoth/policy); diff --published, replay and publish ask the tenant's control plane.
 */
export function policyCommand(env: Environment): Command {
  const policy = new Command('policy').description('validate, test, diff, replay and publish policies');

  policy
    .command('validate')
    .description("compile policy files with the enforcers' own compiler; errors as file:line:column code message")
    .argument('<files...>', 'policy files (.yaml, .yml or .json)')
    .action(async (files: string[], _options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const results: Validation[] = [];
      for (const file of files) {
        const compiled = compilePolicy(await readSource(file), { format: formatOf(file) });
        results.push(compiled.ok ? { file, valid: true, document: { name: compiled.policy.name, version: compiled.policy.version }, size: compiled.policy.size, errors: [] } : { file, valid: false, errors: compiled.errors });
      }
      ctx.out.result({ valid: results.every((r) => r.valid), files: results }, () =>
        results.flatMap((r) => (r.valid ? [`${r.file}: ok (${r.document!.name} ${r.document!.version})`] : r.errors.map((e: PolicyError) => `${r.file}:${e.line}:${e.column} ${e.code} ${e.message}`))),
      );
      if (!results.every((r) => r.valid)) process.exitCode = EXIT.failed;
    });

  policy
    .command('test')
    .description('run policy test files (*.test.yaml) with the enforcers\' engine; a failure prints a diff of expected and actual')
    .argument('[paths...]', 'test files, or directories searched for *.test.yaml', ['.'])
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const files = (await Promise.all(paths.map(testFilesUnder))).flat();
      if (files.length === 0) throw new CliError('test_file.none', `no *.test.yaml under ${paths.join(', ')}`, EXIT.usage);
      const loaded = await Promise.all(files.map(loadTestFile));
      const total = loaded.reduce((n, f) => n + f.tests.length, 0);
      const results = await ctx.out.progress(`testing 0/${total}`, async (update) => {
        const done: FileResult[] = [];
        let before = 0;
        for (const file of loaded) {
          done.push(await runTestFile(file, (n) => update(`testing ${before + n}/${total}`)));
          before += file.tests.length;
        }
        return done;
      });
      const cases = results.flatMap((r) => r.cases);
      const failed = cases.filter((c) => !c.passed).length;
      ctx.out.result({ passed: cases.length - failed, failed, files: results }, () => [
        ...results.flatMap((r) => [r.file, ...r.cases.flatMap(caseLines)]),
        `${cases.length - failed} passed, ${failed} failed`,
      ]);
      if (failed > 0) process.exitCode = EXIT.failed;
    });

  policy
    .command('diff')
    .description("compare two policy files, or a file with the tenant's published policy; exits 1 when they differ")
    .argument('<file>', 'the policy file (the new side)')
    .argument('[other]', 'the old side; with --published, the published policy')
    .option('--published', "compare with the tenant's published policy (GET /v1/policy)")
    .action(async (file: string, other: string | undefined, options: { published?: boolean }, command: Command) => {
      const ctx = contextOf(command, env);
      if ((other === undefined) === (options.published !== true)) throw new CliError('usage.diff', 'give a second file or --published, not both', EXIT.usage);
      const old = other !== undefined ? { name: other, source: await readSource(other) } : await published(ctx);
      const source = await readSource(file);
      const elements = elementChanges(old.source, source);
      const same = old.source === source;
      const patch = createTwoFilesPatch(old.name, file, old.source, source, undefined, undefined, { context: 3 });
      ctx.out.result({ same, ...elements, patch: same ? '' : patch }, () =>
        same ? [] : [...elements.added.map((e) => `+ ${e}`), ...elements.removed.map((e) => `- ${e}`), ...elements.changed.map((e) => `~ ${e}`), '', patch.trimEnd()],
      );
      if (!same) process.exitCode = EXIT.failed;
    });

  policy
    .command('replay')
    .description("what a candidate policy would have decided on the tenant's recorded traffic (POST /v1/policy/replays)")
    .argument('<file>', 'the candidate policy')
    .option('--from <time>', 'start of the window (ISO 8601); default: the API\'s (the last seven days)')
    .option('--to <time>', 'end of the window (ISO 8601)')
    .addOption(new Option('--baseline <baseline>', 'compare with what was enforced (effect) or what policy said (verdict)').choices(['effect', 'verdict']))
    .action(async (file: string, options: { from?: string; to?: string; baseline?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      if ((options.from === undefined) !== (options.to === undefined)) throw new CliError('usage.replay', '--from and --to go together', EXIT.usage);
      const api = await ctx.api();
      const body = {
        source: await readSource(file),
        format: formatOf(file),
        ...(options.from !== undefined ? { window: { from: options.from, to: options.to } } : {}),
        ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
      };
      const replay = await ctx.out.progress('replaying the recorded traffic', () => api.post<Replay>('/v1/policy/replays', { body }));
      const t = replay.result.totals;
      ctx.out.result(replay, () => [
        `replay ${replay.id}: ${replay.window.from} – ${replay.window.to}`,
        `${t.replayed} of ${t.recorded} recorded calls replayed (${t.skipped} skipped); ${t.changed} changed: ${t.newlyDenied} newly denied, ${t.newlyAllowed} newly allowed; ${t.denied} denied in all`,
        ...replay.result.byRule.map((r) => `  ${r.ruleId}: +${r.newlyDenied} denied, +${r.newlyAllowed} allowed`),
      ]);
    });

  policy
    .command('publish')
    .description('publish a policy as the next version, with the version precondition (PUT /v1/policy)')
    .argument('<file>', 'the policy file')
    .option('--if-version <n>', 'publish only over this current version (If-Match); default: the version current when the command reads it', positiveInteger)
    .option('--first', 'publish only if the tenant has no policy yet (If-None-Match: *)')
    .action(async (file: string, options: { ifVersion?: number; first?: boolean }, command: Command) => {
      const ctx = contextOf(command, env);
      if (options.first && options.ifVersion !== undefined) throw new CliError('usage.publish', '--first and --if-version exclude each other', EXIT.usage);
      const api = await ctx.api();
      const source = await readSource(file);
      const precondition: Record<string, string> = options.first ? { 'if-none-match': '*' } : { 'if-match': `"${options.ifVersion ?? (await api.get<PolicyView>('/v1/policy')).currentVersion}"` };
      const view = await api.put<PolicyView>('/v1/policy', { body: { source, format: formatOf(file) }, headers: precondition });
      ctx.out.result(view, () => `published ${file} as version ${view.currentVersion} (${view.current.documentName} ${view.current.documentVersion}, ${view.current.contentHash}); mode ${view.mode}`);
    });

  return policy;
}

interface Validation {
  file: string;
  valid: boolean;
  document?: { name: string; version: string };
  size?: CompiledPolicy['size'];
  errors: readonly PolicyError[];
}

interface PolicyView {
  currentVersion: number;
  mode: string;
  current: { documentName: string; documentVersion: string; contentHash: string; source?: string };
}

interface Replay {
  id: string;
  window: { from: string; to: string };
  result: {
    totals: { recorded: number; replayed: number; skipped: number; changed: number; newlyDenied: number; newlyAllowed: number; denied: number };
    byRule: Array<{ ruleId: string; newlyDenied: number; newlyAllowed: number }>;
  };
}

function formatOf(file: string): 'yaml' | 'json' {
  return file.endsWith('.json') ? 'json' : 'yaml';
}

function positiveInteger(text: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new CliError('usage.not_a_version', `not a policy version: ${text}`, EXIT.usage);
  return Number(text);
}

async function published(ctx: Context): Promise<{ name: string; source: string }> {
  const view = await (await ctx.api()).get<PolicyView>('/v1/policy');
  if (view.current.source === undefined) throw new CliError('policy.no_source', 'the API did not return the published source', EXIT.refused);
  return { name: `published v${view.currentVersion}`, source: view.current.source };
}

async function testFilesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => {
    throw new CliError('file.unreadable', `cannot read ${path}`, EXIT.usage);
  });
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.test\.ya?ml$/.test(e.name) && !e.parentPath.split('/').includes('node_modules'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function caseLines(c: CaseResult): string[] {
  if (c.passed) return [`  ✓ ${c.name}`];
  const diff = diffLines(stringify(c.expected), stringify(c.actual))
    .flatMap((part) => part.value.replace(/\n$/, '').split('\n').map((line) => `${part.added ? '+' : part.removed ? '-' : ' '} ${line}`))
    .map((line) => `      ${line}`);
  return [`  ✗ ${c.name}`, '      - expected', '      + actual', ...diff, ...c.reasons.map((r) => `      matched ${r}`)];
}

/** Elements (rules, limits, freezes, sequences) by id: which the new side added, removed or changed. */
function elementChanges(oldSource: string, newSource: string): { added: string[]; removed: string[]; changed: string[] } {
  const before = elementsOf(oldSource);
  const after = elementsOf(newSource);
  return {
    added: [...after.keys()].filter((k) => !before.has(k)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
    changed: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
  };
}

/** An element's canonical JSON by `<kind> <id>`; a side that is not YAML has none (the text diff still shows it). */
function elementsOf(source: string): Map<string, string> {
  const elements = new Map<string, string>();
  let document: unknown;
  try {
    document = parse(source);
  } catch {
    return elements;
  }
  if (typeof document !== 'object' || document === null) return elements;
  for (const kind of ['rules', 'limits', 'freezes', 'sequences'] as const) {
    const list = (document as Record<string, unknown>)[kind];
    if (!Array.isArray(list)) continue;
    for (const element of list as Array<{ id?: unknown }>) {
      if (typeof element?.id === 'string') elements.set(`${kind.replace(/s$/, '')} ${element.id}`, JSON.stringify(element));
    }
  }
  return elements;
}
