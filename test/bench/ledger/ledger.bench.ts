// pnpm bench:ledger — the ledger with the real broker and Postgres (docs/architecture.md, "Performance targets"):
// events folded per second by one worker, decision → signed checkpoint latency, and the time to
// verify an inclusion proof against a signed checkpoint, and an evidence bundle fetched through the
// authenticated API (API key checked, tenant-scoped read under RLS). Own database (thoth_test_bench_*), own topic.
// What security costs the fold (issue 15, acceptance 4), in the same run: the same backlog folded
// through a private broker without TLS or SASL (infra/local/kafka.sh, THOTH_KAFKA_SECURITY=plaintext;
// THOTH_BENCH_LEDGER_PLAINTEXT=false skips it), and the CPU the verification of each decision takes
// in the fold (decode alone against decode + judgeDecisionEvent, on the same messages). Verification
// itself is never switched off in the ledger: there is no such switch to measure with.
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
  type KafkaConnection,
  type Producer,
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
import { decodeDecision } from '../../../apps/ledger/src/fold/decode-decision.js';
import { judgeDecisionEvent, TenantReceiptKeys, verifierFromPublicKey } from '@thoth/snapshot';
import { privateKafkaBroker } from '../../../libs/testing/src/private-kafka.js';
import { BenchReport } from '../lib/results.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FOLD_EVENTS = Number(process.env['THOTH_BENCH_LEDGER_EVENTS'] ?? 200_000);
const TENANTS = Array.from({ length: 50 }, () => crypto.randomUUID());
const LATENCY_RATE_PER_S = 2_000;
const LATENCY_SECONDS = 10;
const VERIFY_ITERATIONS = 3_000;
const API_ITERATIONS = 1_000;
const PLAINTEXT_PHASE = process.env['THOTH_BENCH_LEDGER_PLAINTEXT'] !== 'false';
const JUDGE_SAMPLE = 50_000;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signed as an enforcer signs: batches of receipts under one signature (64: each receipt's path is 6 hashes). */
function backlogChunk(start: number, count: number): Array<{ key: string; value: Buffer }> {
  const events = Array.from({ length: count }, (_, i) => decisionEvent(TENANTS[(start + i) % TENANTS.length]!, start + i));
  for (let i = 0; i < events.length; i += 64) signDecisionEvents(events.slice(i, i + 64), TEST_ENFORCER_KEY);
  return events.map(message);
}

/** The tenants' enforcer key in the directory, then FOLD_EVENTS signed decisions. */
async function produceBacklog(producer: Producer, topic: string, receiptKeysTopic: string): Promise<void> {
  await producer.send({ topic: receiptKeysTopic, acks: -1, messages: receiptKeyRecords(TENANTS).map((r) => ({ key: r.key, value: r.value })) });
  process.stdout.write(`producing ${FOLD_EVENTS.toLocaleString('en-US')} decision events to ${topic}…\n`);
  for (let start = 0; start < FOLD_EVENTS; start += 1_000) await producer.send({ topic, acks: -1, messages: backlogChunk(start, Math.min(1_000, FOLD_EVENTS - start)) });
}

/** Counts what a ledger folds; its throughput excludes the first batch (the group join). */
class FoldMeter {
  folded = 0;
  batches = 0;
  #first = { at: 0, size: 0 };
  #lastAt = 0;
  onFolded(count: number): void {
    const now = performance.now();
    if (this.folded === 0) this.#first = { at: now, size: count };
    this.folded += count;
    this.batches++;
    this.#lastAt = now;
  }
  async reach(count: number): Promise<void> {
    while (this.folded < count) await sleep(20);
  }
  get throughput(): number {
    return (this.folded - this.#first.size) / ((this.#lastAt - this.#first.at) / 1000);
  }
}

const ledgerEnv = (databaseUrl: string, kafkaEnv: Record<string, string>, names: { topic: string; receiptKeysTopic: string; group: string; anchorDir: string; signingKey: string }) => ({
  DATABASE_URL: databaseUrl,
  ...kafkaEnv,
  THOTH_LEDGER_SIGNING_KEY: names.signingKey,
  THOTH_LEDGER_TOPIC: names.topic,
  THOTH_RECEIPT_KEYS_TOPIC: names.receiptKeysTopic,
  THOTH_CONFIG_PUBLIC_KEYS: publicKeyBase64(TEST_CONTROL_PLANE_KEY),
  THOTH_LEDGER_GROUP: names.group,
  THOTH_LEDGER_ANCHOR_DIR: names.anchorDir,
  THOTH_LEDGER_KAFKA_SESSION_TIMEOUT_MS: '6000',
  THOTH_LEDGER_HTTP_PORT: '0',
  THOTH_LEDGER_OPS_PORT: '0',
  ...(process.env['THOTH_LEDGER_CONCURRENT_PARTITIONS'] ? { THOTH_LEDGER_CONCURRENT_PARTITIONS: process.env['THOTH_LEDGER_CONCURRENT_PARTITIONS'] } : {}),
});

async function createTopics(admin: ReturnType<Kafka['admin']>, topic: string, receiptKeysTopic: string): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3, replicationFactor: 1 },
      { topic: receiptKeysTopic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
}

/** The same backlog, folded the same way, through a private broker without TLS, SASL or ACLs: fold throughput. */
async function foldOnPlaintextBroker(serverUrl: string, stamp: string): Promise<number> {
  const broker = await privateKafkaBroker({ security: 'plaintext' });
  const dbName = `thoth_test_bench_${stamp}_plaintext`;
  const anchorDir = mkdtempSync(join(tmpdir(), 'thoth-bench-anchor-'));
  try {
    process.stdout.write('starting a private Kafka broker without TLS or SASL…\n');
    await broker.start();
    const connection: KafkaConnection = broker.connection;
    const kafka = new Kafka(kafkaClientConfig(connection, { clientId: 'thoth-bench-ledger-plaintext', logLevel: logLevel.ERROR }));
    const [topic, receiptKeysTopic] = ['thoth.bench.ledger', 'thoth.bench.receipt-keys'];
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, topic, receiptKeysTopic);
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await produceBacklog(producer, topic, receiptKeysTopic);
    await producer.disconnect();
    const databaseUrl = await createDatabase(serverUrl, dbName);
    const owner = await openDatabase({ url: databaseUrl, maxConnections: 2 });
    await migrate(owner.sql);
    await owner.close();
    const meter = new FoldMeter();
    const config = loadConfig(ledgerEnv(databaseUrl, { KAFKA_BROKERS: connection.brokers.join(',') }, { topic, receiptKeysTopic, group: `thoth-bench-${stamp}`, anchorDir, signingKey: generateSignerKey('thoth.dev/ledger') }));
    const ledger = await startLedger(config, pino({ level: 'warn' }), { onFolded: (outcome) => meter.onFolded(outcome.folded) }, { api: false });
    await meter.reach(FOLD_EVENTS);
    await ledger.stop();
    return meter.throughput;
  } finally {
    await broker.destroy().catch(() => {});
    await dropDatabase(serverUrl, dbName).catch(() => {});
    rmSync(anchorDir, { recursive: true, force: true });
  }
}

/** µs per message of the fold's decoding alone, and with each decision judged (verified) as the ledger does. */
function verificationCost(messages: ReadonlyArray<{ value: Buffer }>): { decodeUs: number; judgedUs: number } {
  const keyId = verifierFromPublicKey(publicKeyBase64(TEST_ENFORCER_KEY)).keyId;
  const keys = new Map<string, TenantReceiptKeys>(TENANTS.map((t) => [t, TenantReceiptKeys.of([{ keyId, publicKey: publicKeyBase64(TEST_ENFORCER_KEY), instanceId: 'enforcer-1' }])]));
  const timed = (judge: boolean) => {
    const t0 = performance.now();
    for (const m of messages) {
      const decoded = decodeDecision(m.value);
      if (!decoded.ok) throw new Error(decoded.reason);
      if (judge && !judgeDecisionEvent(decoded.event, keys.get(decoded.event.tenantId)!, m.value).ok) throw new Error('a bench decision was not believed');
    }
    return ((performance.now() - t0) * 1000) / messages.length;
  };
  // Alternating rounds, the median of each (the machine is shared).
  const rounds = { decode: [] as number[], judged: [] as number[] };
  for (let i = 0; i < 5; i++) {
    rounds.decode.push(timed(false));
    rounds.judged.push(timed(true));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { decodeUs: median(rounds.decode), judgedUs: median(rounds.judged) };
}

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
  // 0. The fold without TLS or SASL to Kafka, first (its own broker, database and topics).
  const plaintextThroughput = PLAINTEXT_PHASE ? await foldOnPlaintextBroker(serverUrl, stamp) : undefined;

  const owner = await openDatabase({ url: databaseUrl, maxConnections: 2 });
  await migrate(owner.sql);
  await admin.connect();
  await createTopics(admin, topic, receiptKeysTopic);
  await producer.connect();
  // 1. Throughput: a backlog of FOLD_EVENTS (the tenants' enforcer key in the directory the control
  // plane would publish first, so the ledger believes them), folded by one worker.
  await produceBacklog(producer, topic, receiptKeysTopic);

  const signingKey = generateSignerKey('thoth.dev/ledger');
  const config = loadConfig(ledgerEnv(databaseUrl, kafkaEnv, { topic, receiptKeysTopic, group: `thoth-bench-${stamp}`, anchorDir, signingKey }));
  const meter = new FoldMeter();
  const checkpoints: CheckpointSigned[] = [];
  const ledger = await startLedger(config, pino({ level: 'warn' }), { onFolded: (outcome) => meter.onFolded(outcome.folded), onCheckpoint: (signed) => checkpoints.push(signed) }, { api: false });
  await meter.reach(FOLD_EVENTS);
  report.add('fold.throughput_per_s', Math.round(meter.throughput), 'per_s');
  report.add('fold.events', meter.folded, 'count');
  report.add('fold.mean_batch', Math.round(meter.folded / meter.batches), 'count');
  if (plaintextThroughput !== undefined) {
    report.add('fold.kafka_plaintext.throughput_per_s', Math.round(plaintextThroughput), 'per_s');
    report.add('fold.kafka_security_cost.throughput_ratio', meter.throughput / plaintextThroughput, 'ratio');
  }
  const cost = verificationCost(Array.from({ length: Math.ceil(JUDGE_SAMPLE / 1_000) }, (_, i) => backlogChunk(i * 1_000, 1_000)).flat());
  report.add('fold.decode.us_per_event', cost.decodeUs, 'us');
  report.add('fold.decode_and_verify.us_per_event', cost.judgedUs, 'us');
  report.add('fold.verification.us_per_event', cost.judgedUs - cost.decodeUs, 'us');
  report.add('fold.verification.cpu_share', ((cost.judgedUs - cost.decodeUs) * meter.throughput) / 1e6, 'ratio');

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
  await meter.reach(FOLD_EVENTS + sentAt.size);
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

  report.note(
    'fold.kafka_plaintext.*: the same backlog and ledger through a private broker without TLS or SASL, earlier in this run; kafka_security_cost.throughput_ratio: SASL_SSL over plaintext. ' +
      `fold.verification.*: judgeDecisionEvent (receipt, batch proof, whole-event digest, announced key) on ${JUDGE_SAMPLE.toLocaleString('en-US')} of the same messages in the bench process, minus decoding alone, medians of 5 alternating rounds; cpu_share: that CPU at the measured fold throughput. ` +
      'Receipts are signed in batches of 64, as an enforcer signs what it answers in one turn.',
  );
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
