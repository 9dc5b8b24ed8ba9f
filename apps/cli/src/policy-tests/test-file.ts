import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { CliError, EXIT } from '../output/cli-error.js';

/**
 * A policy test file (`*.test.yaml`, docs/cli.md, "Policy tests"): the policy it tests, the tenant
 * context to bind (mode, agent directory, credentials), request defaults, and cases. A case is a
 * request at a time, after a history of earlier calls that fill the window state (limits,
 * sequences), and the decision expected: effect, optionally shadow and the matched rules in
 * evaluation order. Strict: an unknown field is an error with its line and column, so a
 * misspelt `expect` never passes silently.
 */
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const Duration = z
  .string()
  .regex(DURATION, 'a duration: a whole number and ms, s, m, h or d (e.g. 90s, 10m)')
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text)!;
    return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  });
const Instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

/** A partial DecisionRequest: merged over `defaults`, then checked by the engine itself. */
const Request = z.record(z.string(), z.unknown());

const HistoryEntry = z
  .strictObject({
    request: Request,
    at: Instant.optional().describe('when the first of these calls was decided'),
    ago: Duration.optional().describe("or: how long before the case's `at`"),
    repeat: z.number().int().min(1).max(100_000).default(1),
    every: Duration.default(1000).describe('between repeats'),
  })
  .refine((h) => (h.at === undefined) !== (h.ago === undefined), { message: 'give exactly one of `at` and `ago`' });

const Expectation = z.strictObject({
  effect: z.enum(['allow', 'deny', 'approve']),
  shadow: z.boolean().optional(),
  rules: z.array(z.string()).optional().describe('ids of every matched element, in evaluation order'),
});

const Case = z.strictObject({
  name: z.string().min(1),
  at: Instant,
  history: z.array(HistoryEntry).default([]),
  request: Request,
  expect: Expectation,
});

const TestFile = z.strictObject({
  policy: z.string().min(1).describe('the policy file, relative to this file'),
  tenant: z.record(z.string(), z.unknown()).optional().describe('TenantContext: mode, agents, credentials, baselines'),
  defaults: Request.default({}),
  tests: z.array(Case).min(1),
});

export type PolicyTestFile = z.output<typeof TestFile> & { readonly path: string; readonly policyPath: string };
export type PolicyTestCase = z.output<typeof Case>;
export type Expectation = z.output<typeof Expectation>;

export async function loadTestFile(file: string): Promise<PolicyTestFile> {
  const text = await readSource(file);
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax) {
    const at = lines.linePos(syntax.pos[0]);
    throw new CliError('test_file.yaml_syntax', `${file}:${at.line}:${at.col} ${syntax.message.split('\n')[0]}`, EXIT.usage);
  }
  const parsed = TestFile.safeParse(document.toJS());
  if (!parsed.success) {
    // An unknown field explains a missing one (`expects` for `expect`): it is reported first.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    // The deepest node the issue's path reaches gives the line and column.
    let node: unknown = undefined;
    for (let depth = path.length; depth >= 0 && !isNode(node); depth--) node = document.getIn(path.slice(0, depth) as never, true);
    const at = isNode(node) && node.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
    const pointer = `/${path.join('/')}`;
    throw new CliError('test_file.invalid', `${file}:${at.line}:${at.col} ${pointer}: ${issue.message}`, EXIT.usage);
  }
  return { ...parsed.data, path: file, policyPath: join(dirname(file), parsed.data.policy) };
}

/** A file's text, or a usage error naming it. */
export async function readSource(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError('file.unreadable', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
  }
}
