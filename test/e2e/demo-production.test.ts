import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeDemoFile } from '../../apps/thoth/src/demo/demo-file.js';
import { seedDemoTenant } from '../../apps/thoth/src/demo/seed.js';
import { openDatabase, type DatabaseHandle } from '../../libs/db/src/index.js';
import { generateSignerKey, parseSignerKey, verifierFromSigner } from '../../libs/merkle/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, testKafkaEnv, testTls, testTopic } from '../../libs/testing/src/index.js';
import { waitFor } from '../integration/enforcers/harness.js';
import { call, controlPlaneTlsEnv, enforcerTlsEnv, ok, Proc, ROOT, trustCa } from './enforcers.support.js';

// Issue 7, acceptance 2: the same demo against the production wiring — real Postgres, the real
// Kafka broker, and control plane, enforcer and ledger each as its own process. Afterwards the
// ledger holds exactly the demo's decisions: as many rows for the tenant as the demo was answered,
// with the same decision ids. Every listener serves TLS (development CA), the config stream mutual TLS.
describe('pnpm demo against Postgres + Kafka, one process per app', () => {
  const serverUrl = inject('thoth.serverUrl');
  const databaseName = `thoth_test_${inject('thoth.runId')}_demo_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-demo-'));
  const demoFile = join(dataDir, 'demo.json');
  const idsFile = join(dataDir, 'decision-ids.txt');
  const procs: Proc[] = [];
  let database: DatabaseHandle;
  let tenantId: string;
  let output = '';
  let exitCode: number | null = null;

  beforeAll(async () => {
    const tls = await testTls('e2e-demo');
    trustCa(tls.ca);
    const [topic] = (await createTestTopics([{ name: `demo-e2e-${randomBytes(3).toString('hex')}`, numPartitions: 3 }])) as [string];
    const databaseUrl = await createTestDatabase(serverUrl, databaseName);
    database = await openDatabase({ url: databaseUrl, maxConnections: 2 });
    // The control plane publishes the signed receipt key directory there; the ledger reads it.
    const kafka = { ...testKafkaEnv(), THOTH_RECEIPT_KEYS_TOPIC: testTopic(`demo-receipt-keys-${randomBytes(3).toString('hex')}`) };

    const controlPlane = Proc.start('control plane', 'apps/control-plane/src/main.ts', {
      ...kafka,
      THOTH_DECISIONS_TOPIC: topic,
      THOTH_DECISIONS_GROUP: `demo-e2e-cp-${randomBytes(3).toString('hex')}`,
      DATABASE_URL: databaseUrl,
      THOTH_MIGRATE: 'true',
      THOTH_DATA_DIR: dataDir,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
      ...controlPlaneTlsEnv(tls),
    });
    procs.push(controlPlane);
    const listening = await controlPlane.logged('control plane listening');
    const api = String(listening['url']);

    // The same seeding as the embedded launcher's first start, through the same public API.
    const keys = await seedDemoTenant(api);
    tenantId = keys.tenantId;
    const publicKey = (await ok(call(api, 'GET', '/v1/distribution/public-key'))).body.publicKey as string;
    const ledgerKey = generateSignerKey('thoth-ledger');
    const signer = parseSignerKey(ledgerKey);
    if (!signer.ok) throw new Error(signer.reason);

    const ledger = Proc.start('ledger', 'apps/ledger/src/main.ts', {
      ...kafka,
      DATABASE_URL: databaseUrl,
      THOTH_LEDGER_SIGNING_KEY: ledgerKey,
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_LEDGER_TOPIC: topic,
      THOTH_LEDGER_GROUP: `demo-e2e-${randomBytes(3).toString('hex')}`,
      THOTH_DATA_DIR: dataDir,
      THOTH_LEDGER_HTTP_PORT: '0',
      THOTH_TLS_CERT_FILE: tls.certFile,
      THOTH_TLS_KEY_FILE: tls.keyFile,
    });
    const enforcer = Proc.start('enforcer', 'apps/enforcer/src/main.ts', {
      ...kafka,
      THOTH_ENFORCER_ID: keys.enforcerRegistration.name,
      THOTH_ENFORCER_GRPC_PORT: '0',
      THOTH_ENFORCER_HTTP_PORT: '0',
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_CONTROL_PLANE_GRPC: String(listening['grpc']),
      THOTH_ENFORCER_TOKEN: keys.enforcerRegistration.token,
      THOTH_DECISIONS_TOPIC: topic,
      ...enforcerTlsEnv(tls),
    });
    procs.push(ledger, enforcer);
    const [ledgerUp, enforcerUp] = await Promise.all([ledger.logged('ledger is up'), enforcer.logged('enforcer ready to serve')]);
    expect([api, String(ledgerUp['url'])]).toEqual([expect.stringMatching(/^https:/), expect.stringMatching(/^https:/)]);

    writeDemoFile(demoFile, {
      version: 1,
      api,
      enforcer: String(enforcerUp['address']),
      ledger: String(ledgerUp['url']),
      ledgerVerifierKey: verifierFromSigner(signer.value),
      ca: tls.caFile,
      ...keys,
    });

    const demo = spawn('bash', ['-c', `pnpm demo --config ${demoFile} --decisions-out ${idsFile}`], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout.on('data', (c: Buffer) => (output += c.toString()));
    demo.stderr.on('data', (c: Buffer) => (output += c.toString()));
    exitCode = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await database?.close();
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('blocks the incident in enforce mode and verifies the evidence bundle offline', () => {
    expect(exitCode, output).toBe(0);
    expect(output).toMatch(/all 4,025 calls ran; 4,025 recorded as would-deny/);
    expect(output).toMatch(/✗ BLOCKED crm\.delete_records — delete 1,206 executives/);
    expect(output).toMatch(/✗ BLOCKED crm\.insert_records — insert 4,000 fabricated records/);
    expect(output).toContain('evidence bundle verified offline ✓');
  });

  it('leaves exactly the demo’s decisions in the Postgres ledger, by count and by id', async () => {
    const ids = readFileSync(idsFile, 'utf8').trim().split('\n');
    const answered = Number(/([\d,]+) decisions answered/.exec(output)?.[1]?.replace(/,/g, ''));
    expect(ids).toHaveLength(answered);
    expect(new Set(ids).size).toBe(answered);

    const countRows = async () =>
      Number((await database.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_entries WHERE tenant_id = $1', [tenantId]))[0]!.n);
    await waitFor(`${answered} ledger entries for the demo tenant`, async () => ((await countRows()) >= answered ? true : undefined), 60_000);
    // The latest signed checkpoint (ledger API, the tenant's key) covers every entry: the ledger has
    // caught up, and nothing else arrives.
    const file = JSON.parse(readFileSync(demoFile, 'utf8')) as { ledger: string; adminApiKey: string };
    const checkpointSize = async (): Promise<number> => {
      for (const path of ['/v1/checkpoint', `/v1/tenants/${tenantId}/checkpoint`]) {
        const response = await fetch(file.ledger + path, { headers: { authorization: `Bearer ${file.adminApiKey}` } });
        if (response.ok) return ((await response.json()) as { size: number }).size;
        await response.body?.cancel();
      }
      return 0;
    };
    await waitFor('a checkpoint covering every entry', async () => ((await checkpointSize()) >= answered ? true : undefined), 30_000);
    expect(await checkpointSize()).toBe(answered);
    expect(await countRows()).toBe(answered);
    const stored = await database.sql.query<{ decision_id: string }>('SELECT decision_id FROM ledger_entries WHERE tenant_id = $1', [tenantId]);
    expect(new Set(stored.map((r) => r.decision_id))).toEqual(new Set(ids));
  });
});
