import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Thoth } from '../../../libs/sdk/src/index.js';
import { Proc } from '../../../test/e2e/enforcers.support.js';
import { waitFor } from '../../../test/integration/enforcers/harness.js';
import { startThoth, thoth, type Run } from './support/thoth.js';

// Issue 22, acceptance 1, online: the built `thoth` against one running Thoth (embedded: PGlite,
// the in-process decision log, its demo tenant and enforcer) — profiles written 0600, publish
// with the version precondition, replay with the API's figures, the kill switch, tail showing a
// decision made after it started, then resuming from its cursor, and that decision's evidence
// fetched and verified. No key appears in any output.
const EXAMPLE = 'libs/policy/examples/crm-guardrails.policy.yaml';
const CHANGED = 'apps/cli/test/fixtures/changed.policy.yaml';

/** What the test reads of the launcher's demo.json (apps/thoth/src/demo/demo-file.ts). */
interface Demo {
  api: string;
  enforcer: string;
  ledger: string;
  ledgerVerifierKey: string;
  tenantId: string;
  adminApiKey: string;
  agent: { id: string; name: string; token: string };
}

describe('thoth against a running Thoth', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-cli-online-'));
  const configDir = mkdtempSync(join(tmpdir(), 'thoth-cli-config-'));
  const env = { THOTH_CONFIG_DIR: configDir };
  const outputs: string[] = [];
  let server: Proc;
  let demo: Demo;

  /** `thoth -p demo args…`, its output kept for the check that no key is ever printed. */
  const cli = async (args: string[], extra: { env?: Record<string, string>; input?: string } = {}): Promise<Run> => {
    const run = await thoth(args, { env: { ...env, ...extra.env }, ...(extra.input !== undefined ? { input: extra.input } : {}) });
    outputs.push(run.stdout, run.stderr);
    return run;
  };

  beforeAll(async () => {
    server = Proc.start('thoth', 'apps/thoth/src/main.ts', { THOTH_DATA_DIR: dataDir, THOTH_HTTP_PORT: '0', THOTH_GRPC_PORT: '0', THOTH_ENFORCER_GRPC_PORT: '0', THOTH_LEDGER_HTTP_PORT: '0' });
    await server.logged('thoth is up', 120_000);
    demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as Demo;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('keeps keys in a 0600 profile file and never prints one', async () => {
    const set = await cli(['profile', 'set', 'demo', '--api', demo.api, '--ledger', demo.ledger, '--api-key-stdin'], { input: `${demo.adminApiKey}\n` });
    expect(set.code).toBe(0);
    expect(statSync(join(configDir, 'profiles.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse((await cli(['-o', 'json', 'profile', 'list'])).stdout).profiles).toEqual([{ name: 'demo', api: demo.api, ledger: demo.ledger, apiKey: 'thoth_sk_…' }]);

    const signUp = await cli(['tenant', 'sign-up', '--api', demo.api, '--name', 'Other Co', '--email', 'sec@other.test', '--save-profile', 'other']);
    expect(signUp.code).toBe(0);
    expect(signUp.stdout).toMatch(/its admin API key \(admin\) is saved in profile "other" \(.*profiles\.json, mode 0600\)/);
    const otherKey = (JSON.parse(readFileSync(join(configDir, 'profiles.json'), 'utf8')) as { profiles: Record<string, { apiKey: string }> }).profiles['other']!.apiKey;
    expect(otherKey).toMatch(/^thoth_sk_/);
    expect(statSync(join(configDir, 'profiles.json')).mode & 0o777).toBe(0o600);
    expect((await cli(['-p', 'other', 'tenant', 'show'])).stdout).toMatch(/\(Other Co\): shadow mode/);

    // A refused key: exit 3, the problem's code, and not the key.
    const badKey = `thoth_sk_${'A'.repeat(32)}_abcdef`;
    const refused = await cli(['-o', 'json', 'agents', 'list'], { env: { THOTH_API_URL: demo.api, THOTH_API_KEY: badKey } });
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: expect.stringMatching(/^auth\./) } });
    expect(refused.stderr).not.toContain('A'.repeat(32));
    // No profile and no API: exit 2, naming what to do.
    expect(await cli(['-p', 'nobody', 'agents', 'list'])).toMatchObject({ code: 2, stderr: expect.stringContaining('(profile.not_found)') });

    for (const secret of [demo.adminApiKey, otherKey, demo.agent.token]) expect(outputs.join('\n')).not.toContain(secret.slice(9));
  });

  it('diffs against the published policy and publishes with the version precondition', async () => {
    expect((await cli(['-p', 'demo', 'policy', 'diff', EXAMPLE, '--published'])).code).toBe(0);
    const stale = await cli(['-p', 'demo', 'policy', 'publish', CHANGED, '--if-version', '7']);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/\(policy\.version_stale\)\n$/);
    const published = await cli(['-p', 'demo', '-o', 'json', 'policy', 'publish', CHANGED, '--if-version', '1']);
    expect(published.code).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ currentVersion: 2, current: { documentVersion: '2025-07-14.2' } });
    const diff = await cli(['-p', 'demo', 'policy', 'diff', EXAMPLE, '--published']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('~ rule crm-no-drop-tables\n');
    // Without --if-version: over the version current when read.
    expect((await cli(['-p', 'demo', 'policy', 'publish', EXAMPLE])).stdout).toMatch(/^published .* as version 3 /);
  });

  it('tails a decision made after it started, and resumes from its cursor', async () => {
    const agent = new Thoth({ address: demo.enforcer, tenantId: demo.tenantId, agentId: demo.agent.name, agentToken: demo.agent.token, deadlineMs: 5_000 });
    const decide = async (page: number): Promise<string> => {
      const event = await agent.check({ name: 'crm.read_records', risk: 'read', arguments: { page } });
      if (!('decision' in event) || !event.decision) throw new Error(`no decision: ${JSON.stringify(event)}`);
      return event.decision.decisionId;
    };
    try {
      await waitFor('the enforcer to hold the demo config', () => decide(0).catch(() => undefined), 60_000);
      const tail = startThoth(['-p', 'demo', 'decisions', 'tail'], env);
      const lines: string[] = [];
      let stderr = '';
      createInterface({ input: tail.stdout! }).on('line', (line) => lines.push(line));
      tail.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => tail.once('exit', resolve));
      await waitFor(`tail to connect\n${stderr}`, () => stderr.includes('following decisions from now on'), 30_000);

      const first = await decide(1);
      await waitFor(`tail to show ${first}`, () => lines.some((l) => l.endsWith(first)), 30_000);
      expect(lines.find((l) => l.endsWith(first))).toMatch(/^\S+Z {2}(allow|would_deny) +crm-agent {2}crm\.read_records/);
      tail.kill('SIGINT');
      expect(await exited).toBe(0);
      const cursor = /resume with: thoth decisions tail --cursor (\S+)/.exec(stderr)?.[1];
      expect(cursor).toBeDefined();
      outputs.push(lines.join('\n'), stderr);

      const second = await decide(2);
      const resumed = await cli(['-p', 'demo', '-o', 'json', 'decisions', 'tail', '--cursor', cursor!, '--count', '1']);
      expect(resumed.code).toBe(0);
      const [only, ...rest] = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { decisionId: string; cursor: string });
      expect([only!.decisionId, rest]).toEqual([second, []]);

      const search = await cli(['-p', 'demo', '-o', 'json', 'decisions', 'search', '--limit', '2']);
      expect((JSON.parse(search.stdout) as { items: Array<{ decisionId: string }> }).items.map((d) => d.decisionId)).toEqual([second, first]);

      // Its evidence, from the ledger's API once a checkpoint covers it, verified offline with the public key alone.
      const bundle = join(configDir, 'bundle.json');
      await waitFor('the evidence of the tailed decision', async () => (await cli(['-p', 'demo', 'evidence', first, '--out', bundle])).code === 0, 30_000);
      const verified = await cli(['verify', bundle, '--key', demo.ledgerVerifierKey]);
      expect([verified.code, verified.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^verified: decision ${first} of tenant ${demo.tenantId} is entry \\d+ `))]);
    } finally {
      agent.close();
    }
  });

  it('replays with the figures of the API, suspends and resumes an agent, switches the mode, lists enforcers', async () => {
    const replay = await cli(['-p', 'demo', 'policy', 'replay', CHANGED]);
    expect(replay.code).toBe(0);
    const id = /^replay (\S+):/.exec(replay.stdout)![1]!;
    const stored = (await (await fetch(`${demo.api}/v1/policy/replays/${id}`, { headers: { authorization: `Bearer ${demo.adminApiKey}` } })).json()) as {
      result: { totals: Record<string, number> };
    };
    const t = stored.result.totals;
    expect(t['recorded']).toBeGreaterThanOrEqual(3);
    expect(replay.stdout).toContain(
      `${t['replayed']} of ${t['recorded']} recorded calls replayed (${t['skipped']} skipped); ${t['changed']} changed: ${t['newlyDenied']} newly denied, ${t['newlyAllowed']} newly allowed; ${t['denied']} denied in all`,
    );

    expect((await cli(['-p', 'demo', 'agents', 'suspend', 'crm-agent', '--reason', 'kill switch drill'])).stdout).toMatch(/^agent crm-agent \(\S+\) is suspended\n$/);
    const suspended = JSON.parse((await cli(['-p', 'demo', '-o', 'json', 'agents', 'list', '--status', 'suspended'])).stdout) as Array<{ name: string; statusReason: string }>;
    expect(suspended).toMatchObject([{ name: 'crm-agent', statusReason: 'kill switch drill' }]);
    expect((await cli(['-p', 'demo', 'agents', 'resume', 'crm-agent'])).stdout).toMatch(/is active\n$/);

    // The other tenant's key reaches nothing of the demo tenant's: not its agent, not its decisions.
    const crossing = await cli(['-p', 'other', 'agents', 'suspend', demo.agent.id]);
    expect([crossing.code, crossing.stderr]).toEqual([4, expect.stringMatching(/\(agent\.not_found\)\n$/)]);
    expect(JSON.parse((await cli(['-p', 'other', '-o', 'json', 'decisions', 'search'])).stdout)).toEqual({ items: [], next: null });

    expect((await cli(['-p', 'demo', 'tenant', 'mode', 'enforce'])).stdout).toBe(`tenant ${demo.tenantId} is in enforce mode\n`);
    const enforcers = JSON.parse((await cli(['-p', 'demo', '-o', 'json', 'enforcers'])).stdout) as Array<{ name: string; activeConfig: { version: number } | null }>;
    expect(enforcers).toMatchObject([{ name: 'embedded-enforcer', activeConfig: { version: expect.any(Number) } }]);
    expect((await cli(['-p', 'demo', '-o', 'json', 'alerts'])).code).toBe(0);

    expect(outputs.join('\n')).not.toMatch(/thoth_(sk|at|et)_[A-Za-z0-9]/);
  });
});
