// pnpm bench:ledger — the ledger with the real broker and Postgres (docs/architecture.md, "Performance targets"):
// events folded per second by one worker, decision → signed checkpoint latency, and the time to
// verify an inclusion proof against a signed checkpoint, and an evidence bundle fetched through the
// authenticated API (API key checked, tenant-scoped read under RLS). Own database (thoth_test_bench_*), own topic.
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKeyAuthenticator, LedgerReader, loadConfig, startLedgerApi, startLedger, verifyEvidenceBundle, type CheckpointSigned } from '../../../apps/ledger/src/index.js';
import { issueTestKey } from '../../../apps/ledger/test/support/api-keys.js';
import {
  Kafka,
  benchServices,
  kafkaClientConfig,
  createDatabase,
  decodeBase64,
  dropDatabase,
  generateSignerKey,
  leafHash,
  logLevel,
  migrate,
  openCheckpoint,
  openDatabase,
  parseSignerKey,
  parseVerifierKey,
  pino,
  publicKeyBase64,
  signDecisionEvents,
  verifierFromSigner,
  verifyInclusion,
} from '../../../apps/ledger/test/support/bench-support.js';
import { decisionEvent, message, receiptKeyRecords, TEST_CONTROL_PLANE_KEY, TEST_ENFORCER_KEY } from '../../../apps/ledger/test/support/decisions.js';
import { BenchReport } from '../lib/results.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FOLD_EVENTS = Number(process.env['THOTH_BENCH_LEDGER_EVENTS'] ?? 200_000);
const TENANTS = Array.from({ length: 50 }, () => crypto.randomUUID());
const LATENCY_RATE_PER_S = 2_000;
const LATENCY_SECONDS = 10;
const VERIFY_ITERATIONS = 3_000;
const API_ITERATIONS = 1_000;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stamp = `${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}_${process.pid}`;
const { serverUrl, kafka: connection, kafkaEnv } = await benchServices(ROOT, process.env);
const dbName = `thoth_test_bench_${stamp}`;
const databaseUrl = await createDatabase(serverUrl, dbName);
const topic = `thoth.bench.ledger.${stamp}`;
const receiptKeysTopic = `thoth.bench.receipt-keys.${stamp}`;
const anchorDir = mkdtempSync(join(tmpdir(), 'thoth-bench-anchor-'));
const kafka = new Kafka(kafkaClientConfig(connection, { clientId: 'thoth-bench-ledger', logLevel: logLevel.ERROR }));
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const report = new BenchReport('ledger');

try {
  const owner = await openDatabase({ url: databaseUrl, maxConnections: 2 });
  await migrate(owner.sql);
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1 },
      { topic: receiptKeysTopic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  await producer.connect();
  // The tenants' enforcer key, in the directory the control plane would publish: the ledger believes their decisions.
  await producer.send({ topic: receiptKeysTopic, acks: -1, messages: receiptKeyRecords(TENANTS).map((r) => ({ key: r.key, value: r.value })) });

  // 1. Throughput: a backlog of FOLD_EVENTS, folded by one worker.
  process.stdout.write(`producing ${FOLD_EVENTS.toLocaleString('en-US')} decision events to ${topic}…\n`);
  for (let start = 0; start < FOLD_EVENTS; start += 1_000) {
    // Signed as an enforcer signs: batches of receipts under one signature (64: each receipt's path is 6 hashes).
    const events = Array.from({ length: Math.min(1_000, FOLD_EVENTS - start) }, (_, i) => decisionEvent(TENANTS[(start + i) % TENANTS.length]!, start + i));
    for (let i = 0; i < events.length; i += 64) signDecisionEvents(events.slice(i, i + 64), TEST_ENFORCER_KEY);
    const messages = events.map(message);
    await producer.send({ topic, acks: -1, messages });
  }

  const signingKey = generateSignerKey('thoth.dev/ledger');
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    ...kafkaEnv,
    THOTH_LEDGER_SIGNING_KEY: signingKey,
    THOTH_LEDGER_TOPIC: topic,
    THOTH_RECEIPT_KEYS_TOPIC: receiptKeysTopic,
    THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(TEST_CONTROL_PLANE_KEY),
    THOTH_LEDGER_GROUP: `thoth-bench-${stamp}`,
    THOTH_LEDGER_ANCHOR_DIR: anchorDir,
    THOTH_LEDGER_KAFKA_SESSION_TIMEOUT_MS: '6000',
    THOTH_LEDGER_HTTP_PORT: '0',
    ...(process.env['THOTH_LEDGER_CONCURRENT_PARTITIONS'] ? { THOTH_LEDGER_CONCURRENT_PARTITIONS: process.env['THOTH_LEDGER_CONCURRENT_PARTITIONS'] } : {}),
  });
  let folded = 0;
  let firstBatchAt = 0;
  let firstBatchSize = 0;
  let lastBatchAt = 0;
  let batches = 0;
  const checkpoints: CheckpointSigned[] = [];
  const ledger = await startLedger(
    config,
    pino({ level: 'warn' }),
    {
      onFolded: (outcome) => {
        const now = performance.now();
        if (folded === 0) {
          firstBatchAt = now;
          firstBatchSize = outcome.folded;
        }
        folded += outcome.folded;
        batches++;
        lastBatchAt = now;
      },
      onCheckpoint: (signed) => checkpoints.push(signed),
    },
    { api: false },
  );
  while (folded < FOLD_EVENTS) await sleep(20);
  const throughput = (folded - firstBatchSize) / ((lastBatchAt - firstBatchAt) / 1000);
  report.add('fold.throughput_per_s', Math.round(throughput), 'per_s');
  report.add('fold.events', folded, 'count');
  report.add('fold.mean_batch', Math.round(folded / batches), 'count');

  // 2. Latency: a steady LATENCY_RATE_PER_S, each decision timed from its send to the first signed
  // (and anchored) checkpoint that covers it.
  while (checkpoints.length === 0 || (await owner.sql.query('SELECT 1 FROM ledger_trees t WHERE t.size > (SELECT max(size) FROM ledger_checkpoints c WHERE c.tenant_id = t.tenant_id) LIMIT 1')).length > 0) await sleep(50);
  checkpoints.length = 0;
  const sentAt = new Map<string, number>();
  const tick = 50;
  const perTick = (LATENCY_RATE_PER_S * tick) / 1000;
  const begin = Date.now();
  for (let t = 0; t < (LATENCY_SECONDS * 1000) / tick; t++) {
    const events = Array.from({ length: perTick }, (_, i) => decisionEvent(TENANTS[(t * perTick + i) % TENANTS.length]!, 1_000_000 + t * perTick + i));
    const at = Date.now();
    for (const e of events) sentAt.set(e.decisionId, at);
    await producer.send({ topic, acks: -1, messages: events.map(message) });
    const wait = begin + (t + 1) * tick - Date.now();
    if (wait > 0) await sleep(wait);
  }
  while (folded < FOLD_EVENTS + sentAt.size) await sleep(20);
  const covered = () => {
    const top = new Map<string, number>();
    for (const c of checkpoints) top.set(c.tenantId, Math.max(top.get(c.tenantId) ?? 0, c.size));
    return [...top.values()].reduce((a, b) => a + b, 0);
  };
  while (covered() < FOLD_EVENTS + sentAt.size) await sleep(20);
  const rows = await owner.sql.query<{ decision_id: string; tenant_id: string; seq: string }>(
    'SELECT decision_id, tenant_id::text, seq::text FROM ledger_entries WHERE decision_id = ANY($1::text[])',
    [[...sentAt.keys()]],
  );
  const byTenant = new Map<string, CheckpointSigned[]>();
  for (const c of checkpoints) (byTenant.get(c.tenantId) ?? byTenant.set(c.tenantId, []).get(c.tenantId)!).push(c);
  const latencies: number[] = [];
  for (const r of rows) {
    const covering = byTenant.get(r.tenant_id)?.find((c) => c.size > Number(r.seq));
    if (covering === undefined) throw new Error(`decision ${r.decision_id} never got a checkpoint`);
    latencies.push(covering.at - sentAt.get(r.decision_id)!);
  }
  latencies.sort((a, b) => a - b);
  report.add('checkpoint.latency.p50_ms', percentile(latencies, 50), 'ms');
  report.add('checkpoint.latency.p99_ms', percentile(latencies, 99), 'ms');
  report.add('checkpoint.latency.max_ms', latencies[latencies.length - 1]!, 'ms');
  report.add('checkpoint.latency.samples', latencies.length, 'count');
  report.add('checkpoint.interval_ms', config.checkpointIntervalMs, 'ms');

  // 3. Verification: inclusion proof + signed checkpoint, and a whole evidence bundle, offline.
  const signer = parseSignerKey(signingKey);
  if (!signer.ok) throw new Error(signer.reason);
  const verifierKey = verifierFromSigner(signer.value);
  const bundleReader = new LedgerReader(owner.sql, verifierKey);
  const sample = rows[Math.floor(rows.length / 2)]!;
  const bundle = JSON.stringify(await bundleReader.evidenceBundle(sample.tenant_id, sample.decision_id));
  const parsed = JSON.parse(bundle) as { leaf: { index: number; entry: string }; inclusionProof: { treeSize: number; hashes: string[] }; checkpoint: string };
  const verifier = parseVerifierKey(verifierKey);
  if (!verifier.ok) throw new Error(verifier.reason);
  const entry = decodeBase64(parsed.leaf.entry)!;
  const proof = parsed.inclusionProof.hashes.map((h) => decodeBase64(h)!);
  const inclusion: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < VERIFY_ITERATIONS; i++) {
    let t0 = performance.now();
    const opened = openCheckpoint(parsed.checkpoint, [verifier.value]);
    if (!opened.ok) throw new Error(opened.reason);
    const ok = verifyInclusion(parsed.leaf.index, opened.value.checkpoint.size, leafHash(entry), proof, opened.value.checkpoint.rootHash);
    if (!ok.ok) throw new Error(ok.reason);
    inclusion.push((performance.now() - t0) * 1000);
    t0 = performance.now();
    const result = verifyEvidenceBundle(bundle, verifierKey);
    if (!result.ok) throw new Error(result.reason);
    whole.push((performance.now() - t0) * 1000);
  }
  inclusion.sort((a, b) => a - b);
  whole.sort((a, b) => a - b);
  report.add('verify.inclusion.p50_us', percentile(inclusion, 50), 'us');
  report.add('verify.inclusion.p99_us', percentile(inclusion, 99), 'us');
  report.add('verify.bundle.p50_us', percentile(whole, 50), 'us');
  report.add('verify.bundle.p99_us', percentile(whole, 99), 'us');
  report.add('verify.proof_hashes', proof.length, 'count');

  // 4. The evidence API as an auditor calls it: Bearer key (checksum, definer lookup by hash, role),
  //    then the bundle read in one transaction as thoth_ledger_reader under the key's tenant (RLS).
  const server = await startLedgerApi(bundleReader, new ApiKeyAuthenticator(owner.sql), pino({ level: 'warn' }), { host: '127.0.0.1', port: 0 });
  const api = server.url;
  const auditorKey = await issueTestKey(owner, sample.tenant_id, 'auditor');
  const otherKey = await issueTestKey(owner, TENANTS.find((t) => t !== sample.tenant_id)!, 'auditor');
  const fetchBundle = (key: string) => fetch(`${api}/v1/decisions/${sample.decision_id}/evidence`, { headers: { authorization: `Bearer ${key}` } });
  if ((await fetchBundle(otherKey)).status !== 404) throw new Error("another tenant's key got the bundle");
  const served: number[] = [];
  for (let i = 0; i < API_ITERATIONS; i++) {
    const t0 = performance.now();
    const response = await fetchBundle(auditorKey);
    const text = await response.text();
    served.push(performance.now() - t0);
    if (response.status !== 200) throw new Error(`evidence API answered ${response.status}: ${text}`);
    if (i === 0 && !verifyEvidenceBundle(text, verifierKey).ok) throw new Error('the served bundle does not verify');
  }
  await server.close();
  served.sort((a, b) => a - b);
  report.add('api.evidence.p50_ms', percentile(served, 50), 'ms');
  report.add('api.evidence.p99_ms', percentile(served, 99), 'ms');

  report.note(`${TENANTS.length} tenants, 3 partitions, one worker; events ~${Buffer.byteLength(message(decisionEvent(TENANTS[0]!, 0)).value)} bytes; throughput excludes the first batch (group join)`);
  report.note(`latency: ${LATENCY_RATE_PER_S}/s for ${LATENCY_SECONDS} s, send → checkpoint signed, anchored (fsync) and stored; checkpoint round every ${config.checkpointIntervalMs} ms`);
  report.note(`api.evidence: ${API_ITERATIONS} sequential authenticated GETs of one bundle over local HTTP (key lookup + RLS-scoped read, 2-connection pool)`);
  report.note('verify.inclusion = Ed25519 checkpoint signature + RFC 9162 inclusion proof; verify.bundle adds JSON parsing, protobuf decoding and the field-by-field comparison');
  await ledger.stop();
  await owner.close();
  report.write();
} finally {
  await producer.disconnect().catch(() => {});
  await admin.deleteTopics({ topics: [topic, receiptKeysTopic] }).catch(() => {});
  await admin.disconnect().catch(() => {});
  await dropDatabase(serverUrl, dbName).catch(() => {});
  rmSync(anchorDir, { recursive: true, force: true });
}
