import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedDemoTenant } from '../../apps/thoth/src/demo/seed.js';
import { generateSignerKey } from '../../libs/merkle/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, testKafkaEnv, testTopic } from '../../libs/testing/src/index.js';
import { agentClient, healthCheck, TcpRelay, waitFor, type AgentClient } from '../integration/enforcers/harness.js';
import { call, ok, Proc, ROOT } from './enforcers.support.js';

// Issue 21, acceptance 4 (and "Health"): the control plane, a ledger worker and an enforcer, each its
// own process on the real Postgres and Kafka, serve /metrics in the Prometheus text format that
// Prometheus's own parser reads, with the names docs/telemetry-metrics.md lists and no problem
// promtool's linter (promlint, infra/local/promlint.sh) finds; /healthz and /readyz answer, and
// /readyz and the control plane's grpc.health.v1 turn not ready while its database does not answer.

type MetricType = 'COUNTER' | 'GAUGE' | 'HISTOGRAM';

/** What each service must export (docs/telemetry-metrics.md, "Metrics"), with its type. */
const REQUIRED: Record<'controlPlane' | 'ledger' | 'enforcer', Record<string, MetricType>> = {
  controlPlane: {
    thoth_control_plane_http_requests_total: 'COUNTER',
    thoth_control_plane_http_request_duration_seconds: 'HISTOGRAM',
    thoth_control_plane_snapshots_published_total: 'COUNTER',
    thoth_control_plane_enforcer_streams: 'GAUGE',
    thoth_control_plane_enforcer_tenant_configs: 'GAUGE',
    thoth_control_plane_decisions_ingested_total: 'COUNTER',
    thoth_control_plane_decisions_quarantined_total: 'COUNTER',
    thoth_control_plane_decision_ingestion_lag_messages: 'GAUGE',
    thoth_control_plane_ready: 'GAUGE',
    process_cpu_seconds_total: 'COUNTER',
    process_resident_memory_bytes: 'GAUGE',
    nodejs_eventloop_lag_seconds: 'GAUGE',
  },
  ledger: {
    thoth_ledger_decisions_folded_total: 'COUNTER',
    thoth_ledger_decisions_quarantined_total: 'COUNTER',
    thoth_ledger_partition_lag_messages: 'GAUGE',
    thoth_ledger_checkpoint_age_seconds: 'GAUGE',
    thoth_ledger_checkpoints_signed_total: 'COUNTER',
    thoth_ledger_anchor_failures_total: 'COUNTER',
    thoth_ledger_ready: 'GAUGE',
    process_cpu_seconds_total: 'COUNTER',
    process_resident_memory_bytes: 'GAUGE',
  },
  enforcer: {
    thoth_enforcer_decisions_total: 'COUNTER',
    thoth_enforcer_decide_duration_seconds: 'HISTOGRAM',
    thoth_enforcer_config_staleness_seconds: 'GAUGE',
    thoth_enforcer_decision_log_dropped_total: 'COUNTER',
    thoth_enforcer_ready: 'GAUGE',
    process_cpu_seconds_total: 'COUNTER',
  },
};

/** Families that must carry samples once one decision went through (labelled ones appear only when observed). */
const OBSERVED = [
  'thoth_control_plane_http_requests_total',
  'thoth_control_plane_decisions_ingested_total',
  'thoth_control_plane_decision_ingestion_lag_messages',
  'thoth_ledger_decisions_folded_total',
  'thoth_ledger_partition_lag_messages',
  'thoth_enforcer_decisions_total',
];

interface Scrape {
  text: string;
  /** Every family the scrape declares (`# TYPE`), samples or not (a labelled counter has none until counted). */
  declared: Record<string, string>;
  families: Array<{ name: string; type: string; samples: number; labels: string[] }>;
  problems: Array<{ metric: string; text: string }>;
}

describe('metrics and health of every service', () => {
  const serverUrl = inject('thoth.serverUrl');
  const databaseName = `thoth_test_${inject('thoth.runId')}_ops_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-ops-'));
  const procs: Proc[] = [];
  let promlint: string;
  let relay: TcpRelay;
  let agent: AgentClient;
  const ops = { controlPlane: '', ledger: '', enforcer: '' };
  let grpc: string;

  /** One scrape, read by Prometheus's text parser and linted (the Go tool), as JSON. */
  const scrape = async (base: string): Promise<Scrape> => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const linted = spawnSync(promlint, ['metrics', '--json'], { input: text, encoding: 'utf8' });
    if (linted.status !== 0 && linted.status !== 1) throw new Error(`promlint could not read the scrape of ${base}: ${linted.stderr}`);
    const declared = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name!, type!.toUpperCase()]));
    return { text, declared, ...(JSON.parse(linted.stdout) as Omit<Scrape, 'text' | 'declared'>) };
  };
  const readyz = async (base: string) => {
    const response = await fetch(`${base}/readyz`);
    return { status: response.status, body: (await response.json()) as { ready: boolean; notReady: { code: string } | null } };
  };

  beforeAll(async () => {
    promlint = execFileSync('bash', [join(ROOT, 'infra/local/promlint.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const [topic] = (await createTestTopics([{ name: `ops-e2e-${randomBytes(3).toString('hex')}`, numPartitions: 3 }])) as [string];
    const databaseUrl = new URL(await createTestDatabase(serverUrl, databaseName));
    // The control plane reaches Postgres through a relay the test can hold (a partition, not a refusal).
    relay = new TcpRelay(databaseUrl.host);
    await relay.start();
    const relayed = new URL(databaseUrl);
    relayed.host = relay.address;
    const kafka = { ...testKafkaEnv(), THOTH_RECEIPT_KEYS_TOPIC: testTopic(`ops-receipt-keys-${randomBytes(3).toString('hex')}`) };

    const controlPlane = Proc.start('control plane', 'apps/control-plane/src/main.ts', {
      ...kafka,
      THOTH_DECISIONS_TOPIC: topic,
      THOTH_DECISIONS_GROUP: `ops-e2e-cp-${randomBytes(3).toString('hex')}`,
      DATABASE_URL: relayed.toString(),
      THOTH_MIGRATE: 'true',
      THOTH_DATA_DIR: dataDir,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
    });
    procs.push(controlPlane);
    const listening = await controlPlane.logged('control plane listening');
    const api = String(listening['url']);
    ops.controlPlane = String(listening['ops']);
    grpc = String(listening['grpc']);
    const keys = await seedDemoTenant(api);
    const publicKey = (await ok(call(api, 'GET', '/v1/distribution/public-key'))).body.publicKey as string;

    const ledger = Proc.start('ledger', 'apps/ledger/src/main.ts', {
      ...kafka,
      DATABASE_URL: databaseUrl.toString(),
      THOTH_LEDGER_SIGNING_KEY: generateSignerKey('thoth-ledger'),
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_LEDGER_TOPIC: topic,
      THOTH_LEDGER_GROUP: `ops-e2e-${randomBytes(3).toString('hex')}`,
      THOTH_DATA_DIR: dataDir,
      THOTH_LEDGER_HTTP_PORT: '0',
    });
    const enforcer = Proc.start('enforcer', 'apps/enforcer/src/main.ts', {
      ...kafka,
      THOTH_ENFORCER_ID: keys.enforcerRegistration.name,
      THOTH_ENFORCER_GRPC_PORT: '0',
      THOTH_ENFORCER_HTTP_PORT: '0',
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      THOTH_CONTROL_PLANE_GRPC: grpc,
      THOTH_ENFORCER_TOKEN: keys.enforcerRegistration.token,
      THOTH_DECISIONS_TOPIC: topic,
    });
    procs.push(ledger, enforcer);
    const [ledgerUp, enforcerUp] = await Promise.all([ledger.logged('ledger is up'), enforcer.logged('enforcer ready to serve')]);
    ops.ledger = String(ledgerUp['ops']);
    ops.enforcer = String(enforcerUp['http']);

    // One decision, end to end: the enforcer answers, the ledger folds it, the read model ingests it.
    agent = agentClient(String(enforcerUp['address']), { tenantId: keys.tenantId, agentId: keys.agent.name, token: keys.agent.token });
    await waitFor('the enforcer to activate the demo config', async () => (await readyz(ops.enforcer)).status === 200, 30_000);
    await agent.decide({ tool: 'crm.read_contacts', resource: 'crm/contacts' });
    await waitFor('the ledger to fold the decision', async () => /^thoth_ledger_decisions_folded_total\{partition="\d+"\} 1$/m.test((await scrape(ops.ledger)).text), 30_000);
    await waitFor('the control plane to ingest it', async () => /^thoth_control_plane_decisions_ingested_total\{result="inserted"\} 1$/m.test((await scrape(ops.controlPlane)).text), 30_000);
    // promlint's first build on a fresh machine fetches its modules and compiles them (minutes on a loaded one).
  }, 600_000);

  afterAll(async () => {
    agent?.close();
    relay?.resume();
    await Promise.all(procs.map((p) => p.stop()));
    await relay?.stop();
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(['controlPlane', 'ledger', 'enforcer'] as const)('%s: /metrics parses, exports its names with their types, and promlint finds no problem', async (service) => {
    const { families, declared, problems } = await scrape(ops[service]);
    expect(problems).toEqual([]);
    expect(declared).toMatchObject(REQUIRED[service]);
    // What Prometheus's parser read agrees with what was declared.
    for (const family of families) expect(family.type, family.name).toBe(declared[family.name]);
    for (const family of families.filter((f) => OBSERVED.includes(f.name))) expect(family.samples, family.name).toBeGreaterThan(0);
    // Bounded labels only: nothing names a tenant, an agent or an enforcer.
    for (const family of families) expect(family.labels, family.name).not.toContain(expect.stringMatching(/tenant|agent|enforcer_id|key/));
  });

  it('labels HTTP requests by route template, never by raw path', async () => {
    const { text } = await scrape(ops.controlPlane);
    expect(text).toMatch(/^thoth_control_plane_http_requests_total\{method="GET",route="\/v1\/distribution\/public-key",status_code="200"\} \d+$/m);
    expect(text).toMatch(/^thoth_control_plane_http_requests_total\{method="POST",route="\/v1\/tenants",status_code="201"\} 1$/m);
    expect(text).not.toMatch(/route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('answers /healthz and /readyz on every service', async () => {
    for (const base of Object.values(ops)) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await readyz(base);
      expect(ready).toMatchObject({ status: 200, body: { ready: true, notReady: null } });
    }
    expect((await readyz(ops.ledger)).body).toMatchObject({ consumer: { joined: true }, checkpointer: { running: true } });
  });

  it("serves grpc.health.v1 on the control plane's config stream server", async () => {
    expect(await healthCheck(grpc, '')).toBe('SERVING');
    expect(await healthCheck(grpc, 'thoth.config.v1.ConfigDistribution')).toBe('SERVING');
    expect(await healthCheck(grpc, 'no.such.Service')).toBe('NOT_FOUND');
  });

  it('turns the control plane not ready, on /readyz and gRPC health, while its database does not answer, and ready again after', async () => {
    relay.pause();
    try {
      const answer = await waitFor('/readyz to answer 503', async () => {
        const r = await readyz(ops.controlPlane);
        return r.status === 503 && r;
      });
      expect(answer.body).toMatchObject({ ready: false, notReady: { code: 'DATABASE_UNREACHABLE' } });
      expect((await fetch(`${ops.controlPlane}/healthz`)).status).toBe(200);
      await waitFor('gRPC health to say NOT_SERVING', async () => (await healthCheck(grpc, '')) === 'NOT_SERVING', 20_000);
      expect((await scrape(ops.controlPlane)).text).toMatch(/^thoth_control_plane_ready 0$/m);
    } finally {
      relay.resume();
    }
    await waitFor('/readyz to answer 200 again', async () => (await readyz(ops.controlPlane)).status === 200, 20_000);
    await waitFor('gRPC health to say SERVING again', async () => (await healthCheck(grpc, '')) === 'SERVING', 20_000);
  });

  it('lints for real: promlint reports what breaks the conventions, in a scrape and in a rule', () => {
    const bad = '# HELP x_milliseconds Bad.\n# TYPE x_milliseconds gauge\nx_milliseconds 1\n# HELP y_total Bad.\n# TYPE y_total gauge\ny_total 1\n';
    const linted = spawnSync(promlint, ['metrics'], { input: bad, encoding: 'utf8' });
    expect(linted.status).toBe(1);
    expect(linted.stdout).toContain('x_milliseconds: use base unit "seconds" instead of "milliseconds"');
    expect(linted.stdout).toContain('y_total: non-counter metrics should not have "_total" suffix');
    const rules = join(dataDir, 'bad-rules.yaml');
    writeFileSync(rules, 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(thoth_ledger_decisions_folded_total[5m]\n');
    const checked = spawnSync(promlint, ['rules', rules], { encoding: 'utf8' });
    expect(checked.status).toBe(1);
    expect(checked.stdout).toMatch(/could not parse expression/);
  });

  it('ships alerting rules Prometheus parses and a dashboard, both on names the services export', async () => {
    const rulesFile = join(ROOT, 'infra/helm/thoth/files/prometheus-rules.yaml');
    const checked = spawnSync(promlint, ['rules', rulesFile], { encoding: 'utf8' });
    expect(checked.stdout).toBe('');
    expect(checked.status).toBe(0);
    const exported = new Set<string>(['up']);
    for (const base of Object.values(ops)) {
      for (const [name, type] of Object.entries((await scrape(base)).declared)) {
        exported.add(name);
        if (type === 'HISTOGRAM') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      }
    }
    const dashboard = readFileSync(join(ROOT, 'infra/helm/thoth/files/grafana-dashboard.json'), 'utf8');
    const named = (text: string) => text.match(/\bthoth_[a-z0-9_]+|\bup(?=\{)/g) ?? [];
    const referenced = [...new Set([...named(readFileSync(rulesFile, 'utf8')), ...named(dashboard)])];
    expect(referenced.length).toBeGreaterThan(20);
    expect(referenced.filter((n) => !exported.has(n))).toEqual([]);
    // The dashboard is Grafana JSON with a panel for each of what operators watch.
    const panels = (JSON.parse(dashboard) as { panels: Array<{ title: string }> }).panels.map((p) => p.title);
    expect(panels).toEqual(expect.arrayContaining(['Decisions per second by outcome', 'Decision latency p99', 'Enforcer config staleness', 'Fold lag (ledger)', 'Checkpoint age', 'Anchor failures', 'HTTP error rate (5xx)']));
  });
});
