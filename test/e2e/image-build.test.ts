import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedDemoTenant } from '../../apps/thoth/src/demo/seed.js';
import { openDatabase, type DatabaseHandle } from '../../libs/db/src/index.js';
import { generateSignerKey } from '../../libs/merkle/src/index.js';
import { ThothClient } from '../../libs/sdk/src/index.js';
import { generateSigningKey } from '../../libs/snapshot/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, freePort, testKafkaEnv, testTopic } from '../../libs/testing/src/index.js';
import { waitFor } from '../integration/enforcers/harness.js';
import { call, ok, Proc, ROOT } from './enforcers.support.js';

// Issue 21, acceptance 1: the image's own build step (infra/image/build.sh, which the Dockerfile's
// build stage runs) writes each service's directory into a scratch directory; each is started
// from there as the image's entrypoint starts it: `node main.js` in that directory, nothing on
// PATH but node (no tsx, no pnpm), no NODE_OPTIONS, the migration first (`node migrate.js`, the
// chart's migration step). Against the real Postgres and Kafka: each becomes ready, a decision made
// by the built enforcer reaches the built ledger, and SIGTERM stops each with exit code 0 and no
// error logged.
const SERVICES = ['control-plane', 'enforcer', 'ledger'] as const;
/** How long a service may take to stop after SIGTERM before the test calls it a hang. */
const STOP_BOUND_MS = 30_000;

/** A process started as the image starts it. */
function startBuilt(name: string, dir: string, script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [script], {
    cwd: dir,
    // Only node's own directory on PATH, and only what the service reads: nothing of the workspace.
    env: { PATH: dirname(process.execPath), THOTH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Proc(name, child);
}

/** Ready when the service's operations listener answers GET /readyz with 200 (issue 21's contract). */
async function ready(proc: Proc, readyz: string): Promise<'readyz'> {
  return waitFor(
    `${proc.name} ready (${readyz})\n${proc.raw.slice(-20).join('\n')}`,
    async () => {
      try {
        const response = await fetch(readyz);
        await response.body?.cancel();
        return response.status === 200 ? ('readyz' as const) : undefined;
      } catch {
        return undefined;
      }
    },
    60_000,
  );
}

/** The exit code, or a failure naming the process when it has not exited within `ms` (a hang, not a measure). */
async function exitWithin(proc: Proc, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${proc.name} still running ${ms} ms after SIGTERM\n${proc.raw.slice(-20).join('\n')}`)), ms);
  });
  try {
    return await Promise.race([proc.exited, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pino lines at error (50) or fatal (60). */
const errorsLogged = (lines: Array<Record<string, unknown>>) => lines.filter((line) => typeof line['level'] === 'number' && line['level'] >= 50);

describe('the image build’s output, started with plain node', () => {
  const serverUrl = inject('thoth.serverUrl');
  const suffix = randomBytes(3).toString('hex');
  const databaseName = `thoth_test_${inject('thoth.runId')}_image_${suffix}`;
  const scratch = mkdtempSync(join(tmpdir(), 'thoth-image-build-'));
  const out = (service: string) => join(scratch, 'out', service);
  const dataDir = join(scratch, 'data');
  const procs: Record<string, Proc> = {};
  const listing = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);
  /** Each output directory as built: the image's /app, on a read-only root filesystem. */
  const built: Record<string, string[]> = {};
  /** The environment that names each service's operations listener, for healthcheck.js. */
  const opsEnv: Record<string, Record<string, string>> = {};
  const readiness: Record<string, string> = {};
  let migration: Proc;
  let database: DatabaseHandle;
  let tenantId: string;
  let decisionId: string;

  beforeAll(async () => {
    // The build step, as the Dockerfile runs it: one service at a time (two cores shared).
    for (const service of SERVICES) await promisify(execFile)('bash', [join(ROOT, 'infra/image/build.sh'), service, out(service)], { cwd: ROOT });

    for (const service of SERVICES) built[service] = listing(out(service));
    const [topic] = (await createTestTopics([{ name: `image-decisions-${suffix}`, numPartitions: 3 }])) as [string];
    const databaseUrl = await createTestDatabase(serverUrl, databaseName);
    database = await openDatabase({ url: databaseUrl, maxConnections: 2 });
    const kafka = { ...testKafkaEnv(), THOTH_RECEIPT_KEYS_TOPIC: testTopic(`image-receipt-keys-${suffix}`) };
    const ops = { controlPlane: await freePort(), ledger: await freePort() };
    opsEnv['control-plane'] = { THOTH_OPS_PORT: String(ops.controlPlane) };
    opsEnv['ledger'] = { THOTH_LEDGER_OPS_PORT: String(ops.ledger) };

    migration = startBuilt('migrate', out('control-plane'), 'migrate.js', { DATABASE_URL: databaseUrl });
    expect(await migration.exited, migration.raw.join('\n')).toBe(0);

    // Production settings: keys given, nothing generated into a data directory (a read-only root filesystem).
    const controlPlane = startBuilt('control plane', out('control-plane'), 'main.js', {
      ...kafka,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      THOTH_MIGRATE: 'false',
      THOTH_SNAPSHOT_SIGNING_KEY: generateSigningKey(),
      THOTH_SECRETS_KEY: randomBytes(32).toString('base64'),
      THOTH_DECISIONS_TOPIC: topic,
      THOTH_DECISIONS_GROUP: `image-cp-${suffix}`,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
      THOTH_OPS_PORT: String(ops.controlPlane),
      THOTH_DATA_DIR: dataDir,
    });
    procs['control-plane'] = controlPlane;
    const listening = await controlPlane.logged('control plane listening');
    const api = String(listening['url']);
    readiness['control-plane'] = await ready(controlPlane, `http://127.0.0.1:${ops.controlPlane}/readyz`);

    const keys = await seedDemoTenant(api);
    tenantId = keys.tenantId;
    const publicKey = (await ok(call(api, 'GET', '/v1/distribution/public-key'))).body.publicKey as string;

    const ledger = startBuilt('ledger', out('ledger'), 'main.js', {
      ...kafka,
      DATABASE_URL: databaseUrl,
      THOTH_LEDGER_SIGNING_KEY: generateSignerKey('thoth-ledger'),
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_LEDGER_TOPIC: topic,
      THOTH_LEDGER_GROUP: `image-ledger-${suffix}`,
      THOTH_LEDGER_HTTP_PORT: '0',
      THOTH_LEDGER_OPS_PORT: String(ops.ledger),
      THOTH_DATA_DIR: dataDir,
    });
    const enforcer = startBuilt('enforcer', out('enforcer'), 'main.js', {
      ...kafka,
      THOTH_ENFORCER_ID: keys.enforcerRegistration.name,
      THOTH_ENFORCER_GRPC_PORT: '0',
      THOTH_ENFORCER_HTTP_PORT: '0',
      THOTH_ENFORCER_SIGNING_KEY: generateSigningKey(),
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_CONTROL_PLANE_GRPC: String(listening['grpc']),
      THOTH_ENFORCER_TOKEN: keys.enforcerRegistration.token,
      THOTH_DECISIONS_TOPIC: topic,
    });
    procs['ledger'] = ledger;
    procs['enforcer'] = enforcer;
    const enforcerUp = await enforcer.logged('enforcer ready to serve');
    opsEnv['enforcer'] = { THOTH_ENFORCER_HTTP_PORT: new URL(String(enforcerUp['http'])).port };
    readiness['enforcer'] = await ready(enforcer, `${String(enforcerUp['http'])}/readyz`);
    readiness['ledger'] = await ready(ledger, `http://127.0.0.1:${ops.ledger}/readyz`);

    const client = new ThothClient({ address: String(enforcerUp['address']), tenantId, agentId: keys.agent.name, agentToken: keys.agent.token, deadlineMs: 10_000 });
    try {
      const decision = await client.decide({ tool: 'crm.read_contacts', arguments: { id: 42 }, resource: 'crm/contacts' }, { risk: 'read' });
      expect(decision.errorCode, decision.errorMessage).toBe('');
      expect(decision.receipt).toBeDefined();
      decisionId = decision.decisionId;
    } finally {
      client.close();
    }
  });

  afterAll(async () => {
    for (const proc of Object.values(procs)) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await database?.close();
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  });

  it('writes self-contained directories: compiled JavaScript, no node_modules, no TypeScript', () => {
    for (const service of SERVICES) {
      const files = readdirSync(out(service), { recursive: true }).map(String);
      expect(files).toContain('main.js');
      expect(files.filter((f) => f.includes('node_modules') || f.endsWith('.ts'))).toEqual([]);
    }
    expect(existsSync(join(out('control-plane'), 'migrate.js'))).toBe(true);
    expect(existsSync(join(out('control-plane'), 'migrations/control-plane/meta/_journal.json'))).toBe(true);
  });

  it('describes what it bundled: a CycloneDX SBOM with the installed versions, and the bundled packages’ license texts', () => {
    const installed = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'apps/enforcer/node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    const sbom = JSON.parse(readFileSync(join(out('enforcer'), 'sbom.cdx.json'), 'utf8')) as { bomFormat: string; specVersion: string; components: Array<{ name: string; version: string; purl: string; licenses?: unknown }> };
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    expect(sbom.components).toContainEqual(expect.objectContaining({ name: 'kafkajs', version: installed('kafkajs'), purl: `pkg:npm/kafkajs@${installed('kafkajs')}`, licenses: [{ expression: 'MIT' }] }));
    expect(sbom.components.map((c) => c.name)).toEqual(expect.arrayContaining(['@thoth/policy', 'prom-client', 'pino']));
    // The database driver is not the enforcer's: what was not bundled is not listed.
    expect(sbom.components.map((c) => c.name)).not.toContain('pg');
    expect(readFileSync(join(out('enforcer'), 'THIRD-PARTY-NOTICES.txt'), 'utf8')).toContain(`kafkajs@${installed('kafkajs')} (MIT)`);
  });

  it('migrates with migrate.js, then every service becomes ready', () => {
    expect(migration.lines.find((l) => l['msg'] === 'migrations applied')?.['applied']).toEqual(expect.arrayContaining([expect.stringMatching(/^control-plane\/0000/), expect.stringMatching(/^ledger\/0000/)]));
    expect(readiness).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 'readyz'])));
  });

  it('is what the image definition builds and starts, and passes the image’s health check', async () => {
    const dockerfile = readFileSync(join(ROOT, 'infra/image/Dockerfile'), 'utf8');
    expect(dockerfile).toContain('bash infra/image/build.sh "$SERVICE" /out');
    expect(dockerfile).toMatch(/^COPY --from=build --chown=0:0 \/out\/ \/app\/$/m);
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/^CMD \["main\.js"\]$/m);
    const healthcheck = JSON.parse(/^HEALTHCHECK .* CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(healthcheck).toEqual(['/nodejs/bin/node', '/app/healthcheck.js']);
    // The health check as the engine runs it, in each container whose operations listener is up.
    for (const service of SERVICES) {
      const check = startBuilt(`${service} healthcheck`, out(service), healthcheck[1]!.replace('/app/', ''), opsEnv[service]!);
      expect(await check.exited, `${service}: ${check.raw.join('\n')}`).toBe(0);
    }
  });

  it('carries a decision of the built enforcer into the built ledger', async () => {
    const row = await waitFor(
      `decision ${decisionId} in the ledger\n${procs['ledger']!.raw.slice(-20).join('\n')}`,
      async () => (await database.sql.query<{ tool: string }>('SELECT tool FROM ledger_entries WHERE tenant_id = $1 AND decision_id = $2', [tenantId, decisionId]))[0],
      60_000,
    );
    expect(row.tool).toBe('crm.read_contacts');
  });

  it('stops each service on SIGTERM with exit code 0 and no error logged while stopping', async () => {
    for (const service of ['enforcer', 'ledger', 'control-plane'] as const) {
      const proc = procs[service]!;
      // What the shutdown logs (kafkajs logs a retried coordinator error at start on a fresh topic).
      const before = proc.lines.length;
      proc.child.kill('SIGTERM');
      const code = await exitWithin(proc, STOP_BOUND_MS);
      expect(code, `${service}\n${proc.raw.slice(-20).join('\n')}`).toBe(0);
      expect(errorsLogged(proc.lines.slice(before)), service).toEqual([]);
    }
    // Nothing was written beside the code; the data directory holds the ledger's checkpoint anchor only.
    for (const service of SERVICES) expect(listing(out(service)), service).toEqual(built[service]);
    expect(listing(dataDir).filter((f) => !f.startsWith('anchor'))).toEqual([]);
  });
});
