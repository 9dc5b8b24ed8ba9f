// Runs the Python SDK's tests (libs/sdk-python, pytest) against a real enforcer of this process.
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Outcome, ReceiptSchema } from '@thoth/contracts';
import { generateSigningKey, publicKeyBase64, signReceipt, signerFromSeed } from '@thoth/snapshot';
import { AGENT, ENFORCE_TENANT, SHADOW_TENANT, type SdkEnforcer } from '../sdk/sdk-enforcer.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const PACKAGE = join(ROOT, 'libs', 'sdk-python');

export interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to its end without blocking this process's event loop (the enforcer lives here). */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, UV_PYTHON_DOWNLOADS: 'never', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** uv and the package's virtual environment (infra/local/python.sh): the venv's python. */
export async function pythonEnvironment(): Promise<string> {
  const setup = await run('bash', [join(ROOT, 'infra', 'local', 'python.sh')]);
  if (setup.code !== 0) throw new Error(`infra/local/python.sh failed:\n${setup.output}`);
  return setup.output.trim().split('\n').at(-1)!;
}

/**
 * A version 1 receipt (signed alone, as enforcers did before batches) made by libs/snapshot, with
 * non-ASCII and multi-line values: the Python verifier must rebuild the same payload bytes.
 */
function versionOneReceipt(): { receipt: string; publicKey: string } {
  const signer = signerFromSeed(generateSigningKey());
  const receipt = signReceipt(
    {
      decisionId: 'd-v1',
      requestId: 'r-v1',
      tenantId: ENFORCE_TENANT,
      agentId: AGENT.id,
      tool: 'crm.delete_records',
      argumentsDigest: 'ab'.repeat(32),
      outcome: Outcome.DENY,
      reasons: ['code-freeze: Löschen ist eingefroren.\nAsk a human.', 'no-drops: ✋'],
      policyVersion: 7n,
      policyHash: 'cd'.repeat(32),
      configVersion: 3n,
      decidedAt: timestampFromMs(1_767_225_600_123),
      enforcerId: 'enforcer-python',
    },
    signer,
  );
  return { receipt: Buffer.from(toBinary(ReceiptSchema, receipt)).toString('base64'), publicKey: publicKeyBase64(signer) };
}

/** What pytest needs to reach the enforcer and check its receipts. */
export function enforcerEnv(enforcer: SdkEnforcer): NodeJS.ProcessEnv {
  const v1 = versionOneReceipt();
  return {
    THOTH_TEST_RECEIPT_V1: v1.receipt,
    THOTH_TEST_RECEIPT_V1_PUBLIC_KEY: v1.publicKey,
    THOTH_TEST_ENFORCER_ADDRESS: enforcer.address,
    THOTH_TEST_ENFORCE_TENANT: ENFORCE_TENANT,
    THOTH_TEST_SHADOW_TENANT: SHADOW_TENANT,
    THOTH_TEST_AGENT_ID: AGENT.id,
    THOTH_TEST_AGENT_TOKEN: AGENT.token,
    THOTH_TEST_RECEIPT_PUBLIC_KEYS: [...enforcer.receiptKeys.values()].map((v) => publicKeyBase64(v)).join(','),
  };
}

/** Runs pytest with `args`; returns its output and the JSON lines the tests reported (THOTH_TEST_REPORT). */
export async function pytest(python: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run & { report: Record<string, unknown>[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'thoth-pytest-'));
  const reportFile = join(dir, 'report.jsonl');
  try {
    const result = await run(python, ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rs', ...args], { ...env, THOTH_TEST_REPORT: reportFile }, PACKAGE);
    let report: Record<string, unknown>[] = [];
    try {
      report = readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      // no test reported anything
    }
    return { ...result, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
