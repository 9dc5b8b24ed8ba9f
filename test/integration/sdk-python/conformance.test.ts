// SDK conformance: one table of cases (conformance-cases.ts) through @thoth/sdk here and thoth
// (Python) in a child process, against one real enforcer; each case's outcome, whether the tool
// ran, matched rules, error class and code, attempts and receipt outcome must agree, and match
// what the table expects of them.
import { Outcome } from '@thoth/contracts';
import { Thoth, ThothApprovalRequiredError, ThothDeniedError, ThothUnavailableError, type GuardEvent } from '@thoth/sdk';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpRelay } from '../enforcers/harness.js';
import { AGENT, ENFORCE_TENANT, SHADOW_TENANT, startSdkEnforcer, type SdkEnforcer } from '../sdk/sdk-enforcer.js';
import { CASES, DEADLINE_MS, HANGING_DEADLINE_MS, modelMessage, type ConformanceCase, type ConformanceResult } from './conformance-cases.js';
import { enforcerEnv, PACKAGE, pythonEnvironment, run } from './python-sdk.js';

async function unreachableAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/** The TypeScript half: the same steps as libs/sdk-python/tests/conformance_runner.py. */
async function runTypeScript(enforcer: SdkEnforcer, c: ConformanceCase): Promise<ConformanceResult> {
  const relay = c.reach === 'hanging' ? new TcpRelay(enforcer.address) : undefined;
  await relay?.start();
  const address = relay ? relay.address : c.reach === 'unreachable' ? await unreachableAddress() : enforcer.address;
  const events: GuardEvent[] = [];
  const thoth = new Thoth({
    address,
    tenantId: c.tenant === 'shadow' ? SHADOW_TENANT : ENFORCE_TENANT,
    agentId: AGENT.id,
    agentToken: c.badToken ? 'thoth_at_wrong' : AGENT.token,
    deadlineMs: relay ? HANGING_DEADLINE_MS : DEADLINE_MS,
    retry: { backoffMs: 1 },
    transport: c.transport,
    failMode: c.failMode ?? 'closed',
    failOpenReads: c.failOpenReads ?? false,
    onDecision: (e) => events.push(e),
  });
  let ran = false;
  const guarded = thoth.guard(async (_args: Record<string, unknown>) => void (ran = true), { name: c.tool, risk: c.risk });
  let error: unknown;
  try {
    if (relay) {
      await thoth.client.connect();
      relay.pause();
    }
    await guarded(c.arguments);
  } catch (caught) {
    error = caught;
  } finally {
    thoth.close();
    await relay?.stop();
  }
  const event = events[0];
  const decision = event && 'decision' in event ? event.decision : undefined;
  const denied = error instanceof ThothDeniedError || error instanceof ThothApprovalRequiredError ? error : undefined;
  const rules = decision ? decision.matchedRules : (denied?.matchedRules ?? []);
  const receipt = decision ? decision.receipt : denied?.receipt;
  return {
    name: c.name,
    outcome: event?.outcome ?? 'none',
    ran,
    rules: rules.map((r) => r.ruleId).sort(),
    errorClass: error instanceof Error ? error.name : null,
    code: denied?.code ?? (error instanceof ThothUnavailableError ? error.code : null),
    attempts: error instanceof ThothUnavailableError ? error.attempts : null,
    receipt: receipt ? (Outcome[receipt.outcome] ?? null) : null,
    message: modelMessage(denied?.message ?? (event?.outcome === 'shadow_deny' ? event.wouldDeny.message : '')) || null,
  };
}

/** What each case must give, in either SDK. */
const EXPECTED: Record<string, Partial<ConformanceResult>> = {
  'a read is allowed': { outcome: 'allow', ran: true, errorClass: null, receipt: 'ALLOW' },
  'a delete in the freeze is denied': { outcome: 'deny', ran: false, rules: ['code-freeze'], errorClass: 'ThothDeniedError', code: 'DENIED', receipt: 'DENY' },
  'a drop is denied by rule': { outcome: 'deny', ran: false, rules: ['no-drops'], errorClass: 'ThothDeniedError', code: 'DENIED' },
  'a big refund is held for approval': {
    outcome: 'approval_required',
    ran: false,
    rules: ['big-refunds'],
    errorClass: 'ThothApprovalRequiredError',
    code: 'APPROVAL_REQUIRED',
    receipt: 'APPROVAL_REQUIRED',
    message:
      "Thoth held payments.refund for a person's approval: rule big-refunds — Refunds above 500 need a person. It was not run. " +
      'A person must approve this exact call: approval request <approval id>, open until <expiry>. Once it is approved, retry the same call with exactly the same arguments; ' +
      'a call with other arguments needs an approval of its own. Tell the user that approval request <approval id> is waiting for them.',
  },
  'shadow mode runs a would-deny': { outcome: 'shadow_deny', ran: true, rules: ['code-freeze'], errorClass: null, receipt: 'WOULD_DENY' },
  // Over the stream the enforcer answers with error_code and no rule; over unary it refuses the call (trailers).
  'a bad token is refused': { outcome: 'deny', ran: false, rules: [], errorClass: 'ThothDeniedError', code: 'UNAUTHENTICATED', receipt: null },
  'a bad token is refused over unary': { outcome: 'deny', ran: false, rules: ['request.unauthenticated'], errorClass: 'ThothDeniedError', code: 'UNAUTHENTICATED', receipt: null },
  'unreachable: destructive fails closed': { outcome: 'fail_closed', ran: false, errorClass: 'ThothUnavailableError', code: 'UNAVAILABLE', attempts: 3 },
  'unreachable: a read fails open with failOpenReads': { outcome: 'fail_open', ran: true, errorClass: null },
  'unreachable: a read fails closed without': { outcome: 'fail_closed', ran: false, code: 'UNAVAILABLE', attempts: 3 },
  'unreachable: a write follows the tenant (open)': { outcome: 'fail_open', ran: true },
  'hanging: destructive is not asked again': { outcome: 'fail_closed', ran: false, code: 'DEADLINE_EXCEEDED', attempts: 1 },
  'hanging: a write is asked again': { outcome: 'fail_closed', ran: false, code: 'DEADLINE_EXCEEDED', attempts: 3 },
  'hanging over unary: destructive is not asked again': { outcome: 'fail_closed', code: 'DEADLINE_EXCEEDED', attempts: 1 },
  'hanging over unary: a read is asked again': { outcome: 'fail_closed', code: 'DEADLINE_EXCEEDED', attempts: 3 },
};

describe('SDK conformance: TypeScript and Python, one table, one enforcer', () => {
  let enforcer: SdkEnforcer;
  let python: string;
  beforeAll(async () => {
    [python, enforcer] = await Promise.all([pythonEnvironment(), startSdkEnforcer('conformance')]);
  });
  afterAll(() => enforcer?.stop());

  it('both SDKs return the same for every case, and what the table expects', async () => {
    const table = JSON.stringify({ cases: CASES, deadlineMs: DEADLINE_MS, hangingDeadlineMs: HANGING_DEADLINE_MS });
    const pythonRun = run('bash', ['-c', `exec "$0" tests/conformance_runner.py <<'JSON'\n${table}\nJSON`, python], enforcerEnv(enforcer), PACKAGE);
    const typescript: ConformanceResult[] = [];
    for (const c of CASES) typescript.push(await runTypeScript(enforcer, c));
    const py = await pythonRun;
    expect(py.code, py.output).toBe(0);
    const fromPython = JSON.parse(py.output.trim().split('\n').at(-1)!) as ConformanceResult[];
    expect(fromPython).toEqual(typescript);
    for (const result of typescript) {
      const base = result.name.replace(/ over unary$/, '');
      expect(result, result.name).toMatchObject(EXPECTED[result.name] ?? EXPECTED[base] ?? {});
    }
    expect(Object.keys(EXPECTED).every((name) => typescript.some((r) => r.name === name))).toBe(true);
  });
});

