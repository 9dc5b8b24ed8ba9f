import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoFile } from '../../apps/thoth/src/demo/demo-file.js';
import { credentialFingerprint, Thoth } from '../../libs/sdk/src/index.js';
import { waitFor } from '../integration/enforcers/harness.js';
import { call, ok, Proc, ROOT } from './enforcers.support.js';

// The embedded default (one process, PGlite, the in-process decision log, no Kafka): the control
// plane's decision read model is fed from the same in-process log as the ledger, so the demo
// tenant's calls are in GET /v1/decisions, each once.

describe('embedded Thoth: decisions reach the read model through the in-process log', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-trial-embedded-'));
  let thoth: Proc;
  let demo: DemoFile;
  let ops: string;

  beforeAll(async () => {
    thoth = Proc.start('thoth', 'apps/thoth/src/main.ts', {
      THOTH_DATA_DIR: dataDir,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
      THOTH_ENFORCER_GRPC_PORT: '0',
      THOTH_LEDGER_HTTP_PORT: '0',
    });
    // Proc.start sets THOTH_OPS_PORT=0: the launcher's one operations listener, on a free port.
    ops = String((await thoth.logged('thoth is up', 120_000))['ops']);
    demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoFile;
  });

  afterAll(async () => {
    await thoth?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records every call the demo agent makes, once, with its arguments (shadow trial)', async () => {
    const agent = new Thoth({ address: demo.enforcer, tenantId: demo.tenantId, agentId: demo.agent.name, agentToken: demo.agent.token, deadlineMs: 5_000 });
    const decided: string[] = [];
    try {
      await waitFor('the enforcer to hold the demo tenant’s config', async () => {
        const event = await agent.check({ name: 'crm.read_records', risk: 'read', arguments: { probe: true } }).catch(() => undefined);
        if (event && 'decision' in event && event.decision) decided.push(event.decision.decisionId);
        return event?.outcome === 'allow' || event?.outcome === 'shadow_deny' ? true : undefined;
      }, 60_000);
      for (let i = 0; i < 20; i++) {
        const event = await agent.check({ name: 'crm.read_records', risk: 'read', arguments: { table: 'contacts', page: i }, resource: 'crm://contacts', credential: demo.credential.token });
        // Whatever the demo policy thinks of it, shadow mode lets it through.
        expect(['allow', 'shadow_deny']).toContain(event.outcome);
        if ('decision' in event && event.decision) decided.push(event.decision.decisionId);
      }
    } finally {
      agent.close();
    }

    const decisions = async () =>
      (await ok(call(demo.api, 'GET', `/v1/decisions?agent=${demo.agent.name}&limit=1000`, { key: demo.adminApiKey }))).body.items as Array<{
        decisionId: string;
        arguments: unknown;
        credentialFingerprint: string;
      }>;
    await waitFor(`${decided.length} decisions in the read model`, async () => ((await decisions()).length >= decided.length ? true : undefined), 30_000);
    const items = await decisions();
    expect(items.map((d) => d.decisionId).sort()).toEqual([...decided].sort());
    const pages = items.filter((d) => (d.arguments as { table?: string } | null)?.table === 'contacts');
    expect(pages).toHaveLength(20);
    expect(new Set(pages.map((d) => d.credentialFingerprint))).toEqual(new Set([credentialFingerprint(demo.credential.token)]));
  });

  it('serves every part on one operations listener: metrics promlint accepts, ready when all three are', async () => {
    const text = await (await fetch(`${ops}/metrics`)).text();
    const promlint = execFileSync('bash', [join(ROOT, 'infra/local/promlint.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const linted = spawnSync(promlint, ['metrics'], { input: text, encoding: 'utf8' });
    expect({ status: linted.status, problems: linted.stdout }).toEqual({ status: 0, problems: '' });
    // Each part's families, and the process's own once (a second registration would be a duplicate family).
    for (const name of ['thoth_control_plane_ready', 'thoth_ledger_ready', 'thoth_enforcer_ready', 'process_cpu_seconds_total']) {
      expect(text.match(new RegExp(`^# TYPE ${name} `, 'gm')), name).toHaveLength(1);
    }
    await waitFor('the embedded Thoth to be ready', async () => (await fetch(`${ops}/readyz`)).status === 200, 30_000);
    expect(await (await fetch(`${ops}/readyz`)).json()).toMatchObject({ ready: true, controlPlane: { ready: true }, ledger: { ready: true }, enforcer: { ready: true } });
    // promlint's first build on a fresh machine fetches its modules and compiles them (minutes on a loaded one).
  }, 600_000);
});
