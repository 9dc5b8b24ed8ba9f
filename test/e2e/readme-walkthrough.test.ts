import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README is a contract with a newcomer: this runs its start command exactly as written
// (on a fresh data directory) and then its curl walkthrough and its `thoth` twin, line for line.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function readmeStartCommand(): string {
  const line = README.split('\n').find((l) => /^bash infra\/local\/bootstrap\.sh pnpm start\s*$/.test(l.trim()));
  if (!line) throw new Error('README no longer gives `bash infra/local/bootstrap.sh pnpm start`');
  return line.trim();
}

function readmeWalkthrough(name = 'walkthrough'): string {
  const match = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(README);
  if (!match?.[1]) throw new Error(`README ${name} block not found`);
  return match[1];
}

function run(command: string, env: NodeJS.ProcessEnv, detached = false): ChildProcess {
  return spawn('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, ...env }, detached, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a walkthrough block as a newcomer pastes it (stopping at the first failure) and waits for it. */
async function runBlock(block: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const walkthrough = run(`set -euo pipefail\n${block}`, env);
  let stdout = '';
  let stderr = '';
  walkthrough.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  walkthrough.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => walkthrough.once('exit', resolve));
  return { code, stdout, stderr };
}

describe('README', () => {
  let thoth: ChildProcess;
  let api: string;
  let log = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-readme-'));
  const configDir = mkdtempSync(join(tmpdir(), 'thoth-readme-config-'));

  beforeAll(async () => {
    thoth = run(readmeStartCommand(), { THOTH_DATA_DIR: dataDir, THOTH_HTTP_PORT: '0', THOTH_GRPC_PORT: '0', THOTH_ENFORCER_GRPC_PORT: '0', THOTH_LEDGER_HTTP_PORT: '0', THOTH_LOG_LEVEL: 'info' }, true);
    api = await new Promise<string>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`thoth did not come up:\n${log}`)), 120_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const up = /"api":"(http:\/\/[^"]+)\/v1".*"msg":"thoth is up"/.exec(log);
        if (up?.[1]) {
          clearTimeout(guard);
          resolve(up[1]);
        }
      };
      thoth.stdout!.on('data', onData);
      thoth.stderr!.on('data', onData);
      thoth.once('exit', (code) => reject(new Error(`thoth exited with ${code}:\n${log}`)));
    });
  });

  afterAll(async () => {
    if (thoth?.pid && thoth.exitCode === null) {
      const exited = new Promise((resolve) => thoth.once('exit', resolve));
      process.kill(-thoth.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('starts Thoth on the embedded default with no configuration', () => {
    expect(log).toMatch(/"kind":"pglite"/);
    expect(log).toMatch(/"mode":"embedded"/);
  });

  it('walks a newcomer through sign-up, agent, credential, policy and the shadow report with copy-paste curl', async () => {
    const { code, stdout, stderr } = await runBlock(readmeWalkthrough(), { THOTH: api });
    expect(stderr).toBe('');
    expect(code).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ agent: 'crm-agent', status: 'active' });
    const credential = JSON.parse(lines[1]!) as { credential: string; fingerprint: string; agentIds: string[] };
    expect(credential.credential).toBe('Salesforce prod');
    // Only the fingerprint of the token is kept, never the token.
    expect(credential.fingerprint).toBe(createHash('sha256').update('demo-crm-oauth-token').digest('hex'));
    expect(credential.agentIds).toHaveLength(1);
    expect(stdout).not.toContain('demo-crm-oauth-token');
    expect(JSON.parse(lines[2]!)).toMatchObject({ policyVersion: 1, document: 'crm-guardrails' });

    // The on-demand shadow report of a tenant that has sent no traffic yet, and a link to its page.
    const report = JSON.parse(lines[3]!) as { report: string; trigger: string; calls: number; wouldDeny: number };
    expect(report).toMatchObject({ trigger: 'on_demand', calls: 0, wouldDeny: 0 });
    expect(lines[4]).toBe(`open ${api}/v1/shadow-reports/${report.report}/html?token=${lines[4]!.split('?token=')[1]}`);
    const page = await fetch(lines[4]!.slice('open '.length));
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);

    const audit = lines.slice(5).map((l) => l.split(' ')[2]);
    expect(audit).toEqual(
      expect.arrayContaining(['tenant.signed_up', 'tenant.api_key_issued', 'agent.registered', 'credential.registered', 'policy.version_published']),
    );
  });

  it('walks the same way with the thoth command (its twin), which builds itself and prints no key', async () => {
    const { code, stdout, stderr } = await runBlock(readmeWalkthrough('cli-walkthrough'), { THOTH: api, THOTH_CONFIG_DIR: configDir });
    // What the block printed before it stopped, when it stops: the line that failed is the next one.
    expect(stderr, stdout).toBe('');
    expect(code, stdout).toBe(0);

    const profiles = join(configDir, 'profiles.json');
    expect(statSync(profiles).mode & 0o777).toBe(0o600);
    const key = (JSON.parse(readFileSync(profiles, 'utf8')) as { profiles: { acme: { api: string; apiKey: string } } }).profiles.acme;
    expect(key.api).toBe(api);
    expect(stdout).not.toContain(key.apiKey.slice('thoth_sk_'.length));
    expect(stdout).not.toMatch(/thoth_(sk|at)_[A-Za-z0-9]/);

    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^tenant [0-9a-f-]{36} \(Acme\): shadow mode, trial until \S+$/);
    expect(lines[1]).toBe(`its admin API key (admin) is saved in profile "acme" (${profiles}, mode 0600)`);
    expect(lines[2]).toMatch(/^agent [0-9a-f-]{36} \(crm-agent\) registered$/);
    const fingerprint = createHash('sha256').update('demo-crm-oauth-token').digest('hex');
    expect(lines[3]).toMatch(new RegExp(`^credential Salesforce prod \\([0-9a-f-]{36}\\): fingerprint ${fingerprint}, 1 agent\\(s\\)$`));
    expect(stdout).not.toContain('demo-crm-oauth-token');
    expect(lines[4]).toBe('libs/policy/examples/crm-guardrails.policy.yaml: ok (crm-guardrails 2025-07-14.1)');
    expect(stdout).toMatch(/\n\d+ passed, 0 failed\nreplay \S+: \S+ – \S+\n0 of 0 recorded calls replayed \(0 skipped\); 0 changed/);
    expect(stdout).toMatch(/\npublished libs\/policy\/examples\/crm-guardrails\.policy\.yaml as version 1 \(crm-guardrails 2025-07-14\.1, [0-9a-f]{64}\); mode (shadow|enforce)\n/);
    const suspended = lines.findIndex((l) => /^agent crm-agent \(\S+\) is suspended$/.test(l));
    expect(lines[suspended + 1]).toMatch(/^agent crm-agent \(\S+\) is active$/);
    expect(lines[suspended + 2]).toMatch(/^report [0-9a-f-]{36} \(on_demand, \S+ – \S+\): 0 calls, 0 would have been blocked, 0 blocked$/);
    const link = lines[suspended + 3]!;
    expect(link).toMatch(new RegExp(`^open ${api}/v1/shadow-reports/[0-9a-f-]{36}/html\\?token=\\S+$`));
    expect((await fetch(link.slice('open '.length))).status).toBe(200);
    const trail = lines.slice(suspended + 4, -1).map((l) => l.split(' ')[2]);
    expect(trail).toEqual(
      expect.arrayContaining(['tenant.signed_up', 'agent.registered', 'credential.registered', 'policy.version_published', 'agent.suspended', 'agent.resumed']),
    );
    expect(lines.at(-1)).toBe('{"mode":"shadow","trial":"active"}');
  });

  it('runs the Python quickstart as written against the demo tenant: the read runs, the drop is denied with its rule', async () => {
    const { code, stdout, stderr } = await runBlock(readmeWalkthrough('python-quickstart'), { THOTH_DATA_DIR: dataDir });
    // stderr holds infra/local/python.sh's progress when it installs; the block's own output is stdout.
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe("{'id': 42, 'name': 'Ada'}");
    expect(lines[1]).toBe(
      'crm-no-drop-tables: Thoth blocked crm.drop_table: rule crm-no-drop-tables — No agent drops or truncates CRM tables. Do not retry; ask a human.',
    );
    expect(lines[2]).toMatch(/^receipt [0-9a-f-]{36} signed by ed25519:[0-9a-f]{16}$/);
  });
});
