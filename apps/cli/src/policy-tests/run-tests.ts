import { compilePolicy, decide, WindowState, type CompiledPolicy, type Decision, type DecisionRequest, type TenantContext } from '@thoth/policy';
import { z } from 'zod';
import { CliError, EXIT } from '../output/cli-error.js';
import { readSource, type Expectation, type PolicyTestCase, type PolicyTestFile } from './test-file.js';

/** What one case decided, in the terms of its expectation (only the fields it names). */
export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  readonly expected: Expectation;
  readonly actual: Expectation;
  /** The reasons of the matched elements, to read beside a failure. */
  readonly reasons: readonly string[];
}

export interface FileResult {
  readonly file: string;
  readonly policy: string;
  readonly cases: readonly CaseResult[];
}

/**
 * Runs a test file with the enforcer's engine: the policy compiled with the file's tenant
 * context, each case on a fresh WindowState, its history decided and applied in time order as
 * the enforcer does (attempts count, whatever their effect), then its request decided at `at`.
 */
export async function runTestFile(file: PolicyTestFile, onCase: (done: number) => void = () => {}): Promise<FileResult> {
  const policy = await compileFor(file);
  const cases = file.tests.map((c, i) => {
    const result = runCase(policy, file, c);
    onCase(i + 1);
    return result;
  });
  return { file: file.path, policy: file.policyPath, cases };
}

async function compileFor(file: PolicyTestFile): Promise<CompiledPolicy> {
  const source = await readSource(file.policyPath);
  const compiled = compilePolicy(source, { format: file.policyPath.endsWith('.json') ? 'json' : 'yaml', ...(file.tenant ? { tenant: file.tenant as TenantContext } : {}) });
  if (!compiled.ok) {
    const first = compiled.errors[0]!;
    throw new CliError('policy.invalid', `${file.path}: its policy does not compile: ${file.policyPath}:${first.line}:${first.column} ${first.code} ${first.message}`, EXIT.failed);
  }
  return compiled.policy;
}

function runCase(policy: CompiledPolicy, file: PolicyTestFile, testCase: PolicyTestCase): CaseResult {
  const state = new WindowState();
  const history = testCase.history
    .flatMap((h) => Array.from({ length: h.repeat }, (_, i) => ({ at: (h.at ?? testCase.at - h.ago!) + i * h.every, request: requestOf(file, testCase, h.request) })))
    .sort((a, b) => a.at - b.at);
  for (const { at, request } of history) {
    const earlier = decide(policy, request, state, at);
    state.apply(earlier.updates, at, { tenantId: request.tenantId, agentId: request.agent.id });
  }
  const decision = decide(policy, requestOf(file, testCase, testCase.request), state, testCase.at);
  const actual = actualOf(decision, testCase.expect);
  return {
    name: testCase.name,
    passed: JSON.stringify(actual) === JSON.stringify(testCase.expect),
    expected: testCase.expect,
    actual,
    reasons: decision.matched.map((m) => `${m.ruleId}: ${m.reason}`),
  };
}

/** The decision in the expectation's shape and key order, so the two compare and diff field by field. */
function actualOf(decision: Decision, expected: Expectation): Expectation {
  return {
    effect: decision.effect,
    ...(expected.shadow !== undefined ? { shadow: decision.shadow } : {}),
    ...(expected.rules !== undefined ? { rules: decision.matched.map((m) => m.ruleId) } : {}),
  };
}

/** What a request must name for the window state to charge it; the engine judges the rest as the enforcer would. */
const Charged = z.looseObject({ tenantId: z.string(), agent: z.looseObject({ id: z.string() }), tool: z.string() });

/** `defaults` deep-merged under the request's fields (`args` replaced whole). */
function requestOf(file: PolicyTestFile, testCase: PolicyTestCase, request: Record<string, unknown>): DecisionRequest {
  const merged = { tenantId: 'test', args: {}, ...merge(file.defaults, request) };
  if (!Charged.safeParse(merged).success) {
    throw new CliError('test_file.invalid', `${file.path}: case "${testCase.name}": a request (with the defaults) needs agent.id and tool`, EXIT.usage);
  }
  return merged as unknown as DecisionRequest;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = out[key];
    out[key] = isPlainObject(under) && isPlainObject(value) && key !== 'args' ? merge(under, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
