import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../integration/enforcers/harness.js';

// Issue 7, acceptance 1: on a fresh data directory the README's start command brings up the whole
// of Thoth in one process (control plane, enforcer, ledger on PGlite, in-process decision log), and
// the README's demo command, run against it, shows the blocked calls and a verified evidence bundle;
// the ledger then holds exactly the decisions the demo was answered, and the demo ends with a
// shadow report of its run and a view link to it.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function readmeCommand(name: 'start' | 'demo'): string {
  const line = README.split('\n').find((l) => new RegExp(`^bash infra/local/bootstrap\\.sh pnpm ${name}\\s*$`).test(l.trim()));
  if (!line) throw new Error(`README no longer gives \`bash infra/local/bootstrap.sh pnpm ${name}\``);
  return line.trim();
}

function run(command: string, env: NodeJS.ProcessEnv, detached = false): ChildProcess {
  return spawn('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, ...env }, detached, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('pnpm start + pnpm demo (embedded, one process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-demo-'));
  const env = {
    THOTH_DATA_DIR: dataDir,
    THOTH_HTTP_PORT: '0',
    THOTH_GRPC_PORT: '0',
    THOTH_ENFORCER_GRPC_PORT: '0',
    THOTH_LEDGER_HTTP_PORT: '0',
    THOTH_LOG_LEVEL: 'info',
  };
  let thoth: ChildProcess;
  let log = '';
  let output = '';
  let demoExit: number | null = null;

  beforeAll(async () => {
    thoth = run(readmeCommand('start'), env, true);
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`thoth did not come up:\n${log}`)), 120_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (/"msg":"thoth is up"/.test(log) && /Replay the incident/.test(log)) {
          clearTimeout(guard);
          resolve();
        }
      };
      thoth.stdout!.on('data', onData);
      thoth.stderr!.on('data', onData);
      thoth.once('exit', (code) => reject(new Error(`thoth exited with ${code}:\n${log}`)));
    });

    const demo = run(readmeCommand('demo'), env);
    demo.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    demoExit = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
  });

  afterAll(async () => {
    if (thoth?.pid && thoth.exitCode === null) {
      const exited = new Promise((resolve) => thoth.once('exit', resolve));
      process.kill(-thoth.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts control plane, enforcer and ledger in one process on PGlite, and prints the addresses and where the demo keys are (not the keys)', () => {
    expect(log).toMatch(/"kind":"pglite"/);
    expect(log).toMatch(/"mode":"embedded"/);
    expect(log).toMatch(/"decisionLog":"in-process"/);
    const file = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as Record<string, string> & { agent: { token: string } };
    expect(statSync(join(dataDir, 'demo.json')).mode & 0o777).toBe(0o600);
    expect(log).toContain(`API             ${file['api']}/v1`);
    expect(log).toContain(`Enforcer        ${file['enforcer']}`);
    expect(log).toContain(`Ledger API      ${file['ledger']}/v1`);
    expect(log).toContain(`Demo tenant     ${file['tenantId']}`);
    // The keys are in demo.json, never in what the start prints (docs/security.md).
    expect(log).toContain(`Demo keys       ${join(dataDir, 'demo.json')}`);
    expect(log).not.toContain(file['adminApiKey']);
    expect(log).not.toContain(file.agent.token);
  });

  it('replays the incident: all allowed in shadow, blocked at the first unsafe call in enforce, evidence verified offline', () => {
    expect(demoExit, output).toBe(0);
    expect(output).toMatch(/all 4,025 calls ran; 4,025 recorded as would-deny/);
    expect(output).toMatch(/✗ BLOCKED crm\.delete_records — delete 1,206 executives/);
    expect(output).toMatch(/✗ BLOCKED crm\.delete_records — delete 1,196 companies/);
    expect(output).toMatch(/✗ BLOCKED crm\.insert_records — insert 4,000 fabricated records/);
    expect(output).toMatch(/rule q3-code-freeze \(freeze_window, high\)/);
    expect(output).toMatch(/rule crm-fabrication \(sequence, critical\)/);
    expect(output).toMatch(/receipt: decision [0-9a-f-]{36}, enforcer embedded-enforcer, signature [0-9a-f]{16}…/);
    expect(output).toMatch(/still holds 1,206 real executives, 1,196 real companies and 0 fabricated records/);
    expect(output).toContain('evidence bundle verified offline ✓');
  });

  it('ends with a shadow report of the run made on demand: its key figures, and a view link that opens it', async () => {
    expect(demoExit, output).toBe(0);
    expect(output).toMatch(/4\. Shadow report [0-9a-f-]{36} \(POST \/v1\/shadow-reports/);
    // 4,025 shadow calls would have been blocked, then 3 blocked in enforce, one agent, one (registered, linked, in place) credential.
    expect(output).toContain('4,028 calls: 0 allowed, 4,025 would have been blocked, 3 blocked · 1 agent(s), 1 credential(s)');
    expect(output).toMatch(/would-be blocks by rule: .*q3-code-freeze ×/);
    expect(output).toContain('credential findings: none');
    expect(output).toContain('recommended policy: compiles');
    const url = /open it \(read only, until [^)]+\): (http:\/\/\S+\/v1\/shadow-reports\/([0-9a-f-]{36})\/html\?token=thoth_vl\.\S+)/.exec(output);
    expect(url, output).not.toBeNull();
    expect(output).toContain(`Shadow report ${url![2]}`);
    const page = await fetch(url![1]!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div data-testid="figure-calls"><dt>Calls</dt><dd>4,028</dd></div>');
    expect(html).toContain('data-testid="no-credential-findings"');
  });

  it('leaves exactly the demo’s decisions in the ledger, under a signed checkpoint', async () => {
    const answered = Number(/([\d,]+) decisions answered/.exec(output)?.[1]?.replace(/,/g, ''));
    expect(answered).toBe(4_028);
    const file = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as { ledger: string; adminApiKey: string; tenantId: string };
    const checkpointSize = async (): Promise<number> => {
      for (const path of ['/v1/checkpoint', `/v1/tenants/${file.tenantId}/checkpoint`]) {
        const response = await fetch(file.ledger + path, { headers: { authorization: `Bearer ${file.adminApiKey}` } });
        if (response.ok) return ((await response.json()) as { size: number }).size;
        await response.body?.cancel();
      }
      return 0;
    };
    await waitFor(`a checkpoint covering ${answered} decisions`, async () => ((await checkpointSize()) >= answered ? true : undefined), 60_000);
    // Everything is folded by now (the checkpoint covers it): nothing more arrives, nothing is missing.
    expect(await checkpointSize()).toBe(answered);
  });
});
