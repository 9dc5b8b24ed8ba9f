import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DemoFile } from '../../apps/thoth/src/demo/demo-file.js';
import { openDatabase } from '../../libs/db/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, testKafkaEnv } from '../../libs/testing/src/index.js';

// docs/security.md, "The launcher: no demo tenant in production, no secret in the logs": what
// `pnpm start` writes to stdout and stderr (what a log collector keeps) holds no secret of the
// demo tenant nor of the keys kept in the data directory; production wiring never creates the
// demo tenant (a standing admin key nobody asked for), and refuses THOTH_DEMO=true.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');

interface Run {
  output: () => string;
  stderrLines: () => string[];
  exit: Promise<number | null>;
  stop: () => Promise<number | null>;
}

/** `pnpm start`'s command (package.json), in its own process group, with everything it prints captured. */
function launch(env: Record<string, string>): Run {
  const child = spawn(TSX, ['--disable-warning=TimeoutNegativeWarning', 'apps/thoth/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, THOTH_HTTP_PORT: '0', THOTH_GRPC_PORT: '0', THOTH_ENFORCER_GRPC_PORT: '0', THOTH_LEDGER_HTTP_PORT: '0', THOTH_LOG_LEVEL: 'info', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    output: () => stdout + stderr,
    stderrLines: () => stderr.split('\n').filter((l) => l !== ''),
    exit,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
      return exit;
    },
  };
}

async function until(run: Run, patterns: RegExp[], what: string): Promise<void> {
  for (let i = 0; i < 1_500; i++) {
    if (patterns.every((p) => p.test(run.output()))) return;
    if (await Promise.race([run.exit.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))])) break;
  }
  throw new Error(`${what}: not seen\n${run.output().slice(-4_000)}`);
}

const dirs: string[] = [];
const runs: Run[] = [];
const databases: string[] = [];
const serverUrl = inject('thoth.serverUrl');
afterAll(async () => {
  for (const run of runs) await run.stop();
  for (const name of databases) await dropTestDatabase(serverUrl, name).catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'thoth-security-launcher-'));
  dirs.push(dir);
  return dir;
};

describe('the launcher leaks a secret or a demo tenant', () => {
  it('embedded: what the start prints holds none of the demo secrets nor of the keys in the data directory, only where they are', async () => {
    const dir = dataDir();
    const run = launch({ THOTH_DATA_DIR: dir });
    runs.push(run);
    await until(run, [/"msg":"thoth is up"/, /Replay the incident/], 'thoth is up, with its banner');
    const demo = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoFile;
    const keyFiles = readdirSync(dir).filter((f) => f.endsWith('.key'));
    expect(keyFiles).toEqual(expect.arrayContaining(['ledger-signing.key', 'enforcer-signing.key']));
    const secrets: Record<string, string> = {
      adminApiKey: demo.adminApiKey,
      agentToken: demo.agent.token,
      enforcerToken: demo.enforcerRegistration.token,
      crmToken: demo.credential.token,
      ...Object.fromEntries(keyFiles.map((f) => [f, readFileSync(join(dir, f), 'utf8').trim()])),
    };
    const output = run.output();
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(8);
      expect(output.includes(secret), `${name} is in what the start printed`).toBe(false);
    }
    expect(output).toContain(join(dir, 'demo.json'));
    expect(output).toContain(`Demo tenant     ${demo.tenantId}`);
    await run.stop();
  });

  describe('production wiring (DATABASE_URL and KAFKA_BROKERS)', () => {
    const production = async (extra: Record<string, string>) => {
      const name = `thoth_test_${inject('thoth.runId')}_launcher_${randomBytes(3).toString('hex')}`;
      databases.push(name);
      const databaseUrl = await createTestDatabase(serverUrl, name);
      const [topic] = (await createTestTopics([{ name: `launcher-${randomBytes(3).toString('hex')}`, numPartitions: 3 }])) as [string];
      const dir = dataDir();
      const suffix = randomBytes(3).toString('hex');
      const run = launch({
        DATABASE_URL: databaseUrl,
        ...testKafkaEnv(),
        THOTH_DATA_DIR: dir,
        THOTH_DECISIONS_TOPIC: topic,
        THOTH_LEDGER_GROUP: `launcher-ledger-${suffix}`,
        THOTH_DECISIONS_GROUP: `launcher-cp-${suffix}`,
        ...extra,
      });
      runs.push(run);
      return { run, dir, databaseUrl };
    };

    it('refuses THOTH_DEMO=true with one line, before anything starts', async () => {
      const { run } = await production({ THOTH_DEMO: 'true' });
      const started = until(run, [/"msg":"thoth is up"/], 'thoth is up').then(() => 'started' as const, () => 'not started' as const);
      expect(await Promise.race([run.exit, started])).toBe(1);
      const said = run.stderrLines().filter((l) => l.startsWith('thoth: '));
      expect(said, run.output()).toHaveLength(1);
      expect(said[0]).toContain('THOTH_DEMO');
      expect(run.output()).not.toContain('database ready');
    });

    it('creates no demo tenant by default', async () => {
      const { run, dir, databaseUrl } = await production({});
      await until(run, [/"msg":"thoth is up"/], 'thoth is up');
      expect(run.output()).not.toContain('demo tenant created');
      expect(existsSync(join(dir, 'demo.json'))).toBe(false);
      // Nor the Kafka password it was given.
      const kafkaPassword = testKafkaEnv()['KAFKA_SASL_PASSWORD'];
      if (kafkaPassword) expect(run.output()).not.toContain(kafkaPassword);
      // As the server's superuser: row-level security would hide every tenant from the app's roles.
      const admin = new URL(inject('thoth.adminUrl'));
      admin.pathname = new URL(databaseUrl).pathname;
      const database = await openDatabase({ url: admin.toString(), maxConnections: 1 });
      try {
        expect(await database.sql.query('SELECT count(*)::int AS n FROM tenants')).toEqual([{ n: 0 }]);
      } finally {
        await database.close();
      }
      await run.stop();
    });
  });
});
