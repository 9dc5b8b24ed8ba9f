// `pnpm bench:fleet` (issue 16, acceptance 3): what sharing sliding windows across a fleet costs
// and how well it holds. Three enforcer processes (apps/enforcer/src/main.ts, THOTH_FLEET_STATE=on)
// serve one tenant and fold each other's window updates from the decision topic on the local
// secured broker; one load generator process spreads DecideStream calls round-robin over them,
// open loop at a fixed total rate.
//   lag:       peer fold time − decided_at, from the enforcers' thoth_enforcer_fleet_propagation_seconds
//              (the histograms' deltas over the phase, summed over the three, quantiles interpolated
//              within buckets), at 1,000 and 5,000 decisions/s in total;
//   overshoot: calls past a per-agent limit of BURST_MAX_CALLS allowed by the fleet at those rates,
//              beside the bound r × L × (n−1)/n with L the measured p99 lag;
//   cpu:       one enforcer's process CPU per decision it answered, fleet state on against off (a second
//              trio on a decision topic of its own), in alternating rounds of the same load.
// The control plane's part runs in this process: a ConfigStreamServer pushing the tenant's signed
// snapshot, and the ReceiptKeyPublisher putting each enforcer's announced receipt key in the
// directory topic, without which peers believe none of its decisions. Fresh topics per run,
// deleted at the end with every process and temporary directory.
//
// THOTH_BENCH_FLEET_STATE=off runs the lag and overshoot phases on a trio without fleet state
// (the overshoot with nothing shared: (n−1) × the limit; no propagation histogram). Kafka: the
// THOTH_TEST_KAFKA_* variables the tests read, else what `infra/local/kafka.sh env --test` prints.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { generateSigningKey, keyIdOf, publicKeyBase64, signerFromSeed } from '@thoth/snapshot';
import { kafkaClient, readKafkaConnection, type Admin, type KafkaConnection } from '@thoth/kafka';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import {
  ConfigStreamServer,
  InMemoryEnforcerStatusSink,
  ReceiptKeyPublisher,
  SnapshotCache,
  StaticEnforcerAuthenticator,
  kafkaReceiptKeySink,
  type EnforcerIdentity,
} from '../../../apps/control-plane/src/distribution/index.js';
import type { EnforcerView } from '../../../apps/control-plane/src/modules/enforcers/index.js';
import { freePort } from '../../../libs/testing/src/private-kafka.js';
import { EMPTY_HISTOGRAM, histogramDelta, histogramQuantile, histogramSum, parseHistogram, parseSample, quantileBeyondBuckets, type Histogram } from '../lib/histogram.js';
import { BenchReport, percentile } from '../lib/results.js';
import type { FleetLoadResult, FleetLoadSpec } from './fleet-load-process.js';
import { BURST_MAX_CALLS, BURST_TOOL, FLEET_TENANT, LAG_TOOL, LOAD_AGENTS, burstAgent, fleetConfig } from './fleet-tenant.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENFORCER_MAIN = join(ROOT, 'apps/enforcer/src/main.ts');
const FLEET_STATE = process.env['THOTH_BENCH_FLEET_STATE'] === 'off' ? 'off' : 'on';
const RATES = (process.env['THOTH_BENCH_FLEET_RATES'] ?? '1000,5000').split(',').map(Number);
const LAG_SECONDS = Number(process.env['THOTH_BENCH_FLEET_LAG_SECONDS'] ?? 10);
const CPU_ROUNDS = Number(process.env['THOTH_BENCH_FLEET_CPU_ROUNDS'] ?? 5);
const CPU_RATE = 2_000;
const CPU_SECONDS = Number(process.env['THOTH_BENCH_FLEET_CPU_SECONDS'] ?? 8);
// For focused runs: THOTH_BENCH_FLEET_ONLY=lag,overshoot,cpu (default all; the overshoot's bound needs the lag phase).
const ONLY = new Set((process.env['THOTH_BENCH_FLEET_ONLY'] ?? 'lag,overshoot,cpu').split(','));
// THOTH_BENCH_FLEET_LOGS=<dir>: keep the enforcers' logs there (default: a temporary directory, removed);
// THOTH_BENCH_FLEET_LOG_LEVEL: theirs (warn).
const KEEP_LOGS = process.env['THOTH_BENCH_FLEET_LOGS'];
const LOG_LEVEL = process.env['THOTH_BENCH_FLEET_LOG_LEVEL'] ?? 'warn';
// Passed to every enforcer's node (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof: written when the bench stops them).
const ENFORCER_FLAGS = (process.env['THOTH_BENCH_FLEET_ENFORCER_FLAGS'] ?? '').split(' ').filter(Boolean);
const ENFORCERS = 3;
const DECISION_PARTITIONS = 3;
/**
 * Longest wait for a trio's folds to catch up after a phase (a backlog left behind would be folded
 * in the next one); once a wait has run out, the next ones are short, so a fold that stalls does
 * not stretch the run beyond its minutes.
 */
const SETTLE_TIMEOUT_MS = 45_000;
const SETTLE_TIMEOUT_STALLED_MS = 5_000;
let settleTimeoutMs = SETTLE_TIMEOUT_MS;
const PROPAGATION = 'thoth_enforcer_fleet_propagation_seconds';

const report = new BenchReport('fleet');
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
const log = pino({ level: 'warn', base: { app: 'bench-fleet' } }, pino.destination(2));

/** The tests' Kafka (a super user, so the run's topics need no grants), and the same under the KAFKA_* names a main reads. */
async function benchKafka(): Promise<{ connection: KafkaConnection; env: Record<string, string> }> {
  const testEnv: Record<string, string> = process.env['THOTH_TEST_KAFKA_BROKERS']
    ? (Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('THOTH_TEST_KAFKA_'))) as Record<string, string>)
    : Object.fromEntries(
        (await promisify(execFile)('bash', [join(ROOT, 'infra/local/kafka.sh'), 'env', '--test'])).stdout
          .trim()
          .split('\n')
          .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
      );
  const connection = readKafkaConnection(testEnv, 'THOTH_TEST_KAFKA_');
  if (!connection) throw new Error('no Kafka: set THOTH_TEST_KAFKA_BROKERS or start infra/local/kafka.sh');
  return { connection, env: Object.fromEntries(Object.entries(testEnv).map(([k, v]) => [k.replace(/^THOTH_TEST_KAFKA_/, 'KAFKA_'), v])) };
}

/**
 * The control plane's side of the stream: what the in-memory sink records, plus each announced
 * receipt key as the enforcers context would list it (ListEnforcersQuery), handed to the publisher.
 */
class AnnouncedKeys extends InMemoryEnforcerStatusSink {
  readonly #views = new Map<string, EnforcerView>();
  onAnnounced: (tenantIds: readonly string[]) => void = () => {};

  override connected(event: Parameters<InMemoryEnforcerStatusSink['connected']>[0]): void {
    super.connected(event);
    if (!event.receiptKey) return;
    const at = new Date(event.at).toISOString();
    const view = this.#views.get(event.enforcerId) ?? {
      id: event.enforcerId,
      name: event.enforcerId,
      status: 'active',
      tokenHint: '',
      registeredAt: at,
      decommissionedAt: null,
      activeConfig: null,
      lastRejection: null,
      lastSeenAt: at,
      receiptKeys: [],
      version: 1,
    };
    const publicKey = Buffer.from(event.receiptKey.publicKey).toString('base64');
    view.receiptKeys.push({ keyId: keyIdOf(event.receiptKey.publicKey), publicKey, instanceId: event.instanceId, announcedAt: at });
    this.#views.set(event.enforcerId, view);
    this.onAnnounced(event.tenantIds);
  }

  enforcers(): EnforcerView[] {
    return [...this.#views.values()];
  }
}

interface Readyz {
  readonly ready: boolean;
  readonly fleet?: { readonly state: string; readonly lagMessages: number | null; readonly endOffsetsAt: number | null; readonly caughtUp: boolean; readonly folded: number; readonly rebuilt: number; readonly rejected: number };
}

interface EnforcerProcess {
  readonly name: string;
  readonly process: ChildProcess;
  readonly address: string;
  readonly httpUrl: string;
  readonly logFile: string;
}

/** One enforcer process: production main, configured by its environment, its log in the run's directory. */
async function startEnforcer(name: string, options: { fleetState: 'on' | 'off'; token: string; configStream: string; configKey: string; decisionsTopic: string; receiptKeysTopic: string; kafkaEnv: Record<string, string>; logDir: string }): Promise<EnforcerProcess> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    ...options.kafkaEnv,
    THOTH_ENFORCER_ID: name,
    THOTH_ENFORCER_GRPC_PORT: String(grpcPort),
    THOTH_ENFORCER_HTTP_PORT: String(httpPort),
    THOTH_CONTROL_PLANE_GRPC: options.configStream,
    THOTH_ENFORCER_TOKEN: options.token,
    THOTH_ENFORCER_TENANTS: FLEET_TENANT,
    THOTH_CONFIG_PUBLIC_KEYS: options.configKey,
    THOTH_ENFORCER_SIGNING_KEY: generateSigningKey(),
    THOTH_DECISIONS_TOPIC: options.decisionsTopic,
    THOTH_RECEIPT_KEYS_TOPIC: options.receiptKeysTopic,
    THOTH_FLEET_STATE: options.fleetState,
    THOTH_LOG_LEVEL: LOG_LEVEL,
  };
  const proc = spawn(process.execPath, [...ENFORCER_FLAGS, '--import', 'tsx', ENFORCER_MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const logFile = join(options.logDir, `${name}.log`);
  const out = createWriteStream(logFile);
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  return { name, process: proc, address: `127.0.0.1:${grpcPort}`, httpUrl: `http://127.0.0.1:${httpPort}`, logFile };
}

async function readyz(e: EnforcerProcess): Promise<Readyz | undefined> {
  try {
    return (await (await fetch(`${e.httpUrl}/readyz`)).json()) as Readyz;
  } catch {
    return undefined;
  }
}

async function metrics(e: EnforcerProcess): Promise<string> {
  return (await fetch(`${e.httpUrl}/metrics`)).text();
}

/** Ready, and with fleet state on, following the topic (its rebuild done). */
async function waitReady(trio: readonly EnforcerProcess[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const e of trio) {
    for (;;) {
      if (e.process.exitCode !== null) throw new Error(`${e.name} exited with ${e.process.exitCode}:\n${tail(e.logFile)}`);
      const status = await readyz(e);
      if (status?.ready && (status.fleet === undefined || status.fleet.state === 'off' || status.fleet.state === 'following')) break;
      if (Date.now() > deadline) throw new Error(`${e.name} not ready after ${timeoutMs} ms: ${JSON.stringify(status)}\n${tail(e.logFile)}`);
      await sleep(200);
    }
  }
}

/**
 * Until every enforcer of the trio has folded what was on the topic a moment after the load ended
 * (end offsets read since then, nothing behind them); at once without fleet state.
 */
async function settle(trio: readonly EnforcerProcess[]): Promise<{ settled: boolean; ms: number }> {
  const from = Date.now();
  const since = from + 100; // the decision log's linger: what was answered is on the topic by then
  for (;;) {
    const statuses = await Promise.all(trio.map(readyz));
    const settled = (s: Readyz | undefined) => s?.fleet === undefined || s.fleet.state === 'off' || (s.fleet.caughtUp && s.fleet.lagMessages === 0 && (s.fleet.endOffsetsAt ?? 0) >= since);
    if (statuses.every(settled)) return { settled: true, ms: Date.now() - from };
    if (Date.now() - from > settleTimeoutMs) {
      settleTimeoutMs = SETTLE_TIMEOUT_STALLED_MS;
      return { settled: false, ms: Date.now() - from };
    }
    await sleep(100);
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** User + system CPU of a process so far, µs (/proc/<pid>/stat, every thread). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

const trioCpuMicros = (trio: readonly EnforcerProcess[]) => trio.reduce((a, e) => a + processCpuMicros(e.process.pid!), 0);

async function load(spec: FleetLoadSpec): Promise<FleetLoadResult> {
  const proc = spawn(process.execPath, ['--import', 'tsx', here('./fleet-load-process.ts'), JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the load generator exited with ${proc.exitCode} without a result`);
  return JSON.parse(first.value) as FleetLoadResult;
}

interface Scrape {
  /** /readyz shows fleet state (on or off): the enforcer knows THOTH_FLEET_STATE. */
  readonly fleet: boolean;
  readonly propagation: Histogram;
  readonly folded: number;
  readonly rejected: number;
}

async function scrape(trio: readonly EnforcerProcess[]): Promise<Scrape[]> {
  return Promise.all(
    trio.map(async (e) => {
      const [text, status] = await Promise.all([metrics(e), readyz(e)]);
      return { fleet: status?.fleet !== undefined && status.fleet.state !== 'off', propagation: parseHistogram(text, PROPAGATION), folded: parseSample(text, 'thoth_enforcer_fleet_folded_total') ?? 0, rejected: status?.fleet?.rejected ?? 0 };
    }),
  );
}

const addresses = (trio: readonly EnforcerProcess[]) => trio.map((e) => e.address);
const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1_000);

/** Propagation lag at each rate: the three enforcers' histograms, differenced over the phase and summed. */
async function benchLag(trio: readonly EnforcerProcess[]): Promise<Map<number, number>> {
  const p99ByRate = new Map<number, number>();
  await load({ addresses: addresses(trio), agents: LOAD_AGENTS, tool: LAG_TOOL, rate: 1_000, count: 3_000 }); // warm-up: JIT, connections, the folds
  await settle(trio);
  for (const rate of RATES) {
    const before = await scrape(trio);
    const [cpu0, t0] = [trioCpuMicros(trio), Date.now()];
    const r = await load({ addresses: addresses(trio), agents: LOAD_AGENTS, tool: LAG_TOOL, rate, count: rate * LAG_SECONDS });
    const { settled, ms: catchUpMs } = await settle(trio);
    const cores = (trioCpuMicros(trio) - cpu0) / ((Date.now() - t0) * 1_000);
    const after = await scrape(trio);
    const lag = histogramSum(after.map((a, i) => histogramDelta(a.propagation, before[i]?.propagation ?? EMPTY_HISTOGRAM)));
    const key = `fleet.lag.rate${rate}`;
    report.add(`${key}.achieved_per_s`, r.answered / r.seconds, 'per_s');
    report.add(`${key}.decisions`, r.answered, 'count');
    report.add(`${key}.errors`, r.errors + r.failedStreams, 'count');
    report.add(`${key}.generator_max_lag_ms`, r.maxSendLagMs, 'ms');
    const p50 = ms(histogramQuantile(lag, 0.5));
    const p99 = ms(histogramQuantile(lag, 0.99));
    if (p50 !== undefined && p99 !== undefined) {
      report.add(`${key}.p50_ms`, p50, 'ms');
      report.add(`${key}.p99_ms`, p99, 'ms');
      report.add(`${key}.mean_ms`, (lag.sum / Math.max(1, lag.count)) * 1_000, 'ms');
      report.add(`${key}.folds`, lag.count, 'count');
      p99ByRate.set(rate, p99);
      for (const [q, name] of [[0.5, 'p50_ms'], [0.99, 'p99_ms']] as const) {
        if (quantileBeyondBuckets(lag, q)) report.note(`${key}.${name}: the rank is beyond the last bucket (10 s): the figure is a floor.`);
      }
    }
    const folded = after.reduce((a, s, i) => a + s.folded - (before[i]?.folded ?? 0), 0);
    report.add(`${key}.folded`, folded, 'count');
    // Every decision is folded by the other n − 1.
    const expected = r.answered * (ENFORCERS - 1);
    if (after.some((s) => s.fleet) && folded < expected) report.note(`${key}: the enforcers folded ${folded} peer decisions of the ${expected} made (each by the other ${ENFORCERS - 1}); the lag figures describe only those folded.`);
    report.add(`${key}.rejected`, after.reduce((a, s, i) => a + s.rejected - (before[i]?.rejected ?? 0), 0), 'count');
    report.add(`${key}.catch_up_ms`, catchUpMs, 'ms');
    report.add(`${key}.enforcers_cpu_cores`, cores, 'ratio');
    if (!settled) report.note(`${key}: the folds had not caught up ${(catchUpMs / 1_000).toFixed(0)} s after the load ended; the histograms miss what was still behind, and the next phase starts with a backlog.`);
    process.stderr.write(`lag at ${rate}/s: ${r.answered} decisions in ${r.seconds.toFixed(1)} s, p50 ${p50?.toFixed(2) ?? '-'} ms, p99 ${p99?.toFixed(2) ?? '-'} ms\n`);
  }
  return p99ByRate;
}

/**
 * Calls allowed past the limit when they arrive round-robin over the trio at each rate; `off`:
 * the same burst on the trio without fleet state, what sharing saves.
 */
async function benchOvershoot(trio: readonly EnforcerProcess[], p99ByRate: ReadonlyMap<number, number>, state: 'on' | 'off'): Promise<void> {
  for (const rate of RATES) {
    await settle(trio);
    // A second at the rate, and at least 5 × the limit: well past what every enforcer alone would allow.
    const count = Math.max(5 * BURST_MAX_CALLS, rate);
    // From a trio that has folded everything: the overshoot of a burst, not of a backlog left by the lag phase.
    const backlog = (await Promise.all(trio.map(readyz))).reduce((a, s) => a + (s?.fleet?.lagMessages ?? 0), 0);
    const before = await scrape(trio);
    const r = await load({ addresses: addresses(trio), agents: [burstAgent(`${state}-rate${rate}`)], tool: BURST_TOOL, rate, count, outcomes: true });
    const key = state === 'on' ? `fleet.overshoot.rate${rate}` : `fleet.overshoot.off.rate${rate}`;
    const caughtUp = await settle(trio);
    if (!caughtUp.settled) report.note(`${key}: the folds had not caught up ${(caughtUp.ms / 1_000).toFixed(0)} s after the burst.`);
    const after = await scrape(trio);
    const burstLag = histogramSum(after.map((a, i) => histogramDelta(a.propagation, before[i]?.propagation ?? EMPTY_HISTOGRAM)));
    report.add(`${key}.calls`, r.allowed - BURST_MAX_CALLS, 'count');
    report.add(`${key}.allowed`, r.allowed, 'count');
    report.add(`${key}.denied`, r.denied, 'count');
    report.add(`${key}.errors`, r.errors + r.failedStreams, 'count');
    report.add(`${key}.backlog_at_start`, backlog, 'count');
    const p99 = p99ByRate.get(rate);
    const bound = (lagMs: number) => (rate * (lagMs / 1_000) * (ENFORCERS - 1)) / ENFORCERS;
    if (p99 !== undefined && state === 'on') report.add(`${key}.bound_calls`, bound(p99), 'count');
    // The burst's own lag: a second at the rate, where the lag phase's is that of ten.
    const burstP99 = ms(histogramQuantile(burstLag, 0.99));
    if (burstP99 !== undefined && state === 'on') {
      report.add(`${key}.burst_p99_lag_ms`, burstP99, 'ms');
      report.add(`${key}.bound_calls_burst_lag`, bound(burstP99), 'count');
    }
    process.stderr.write(`overshoot at ${rate}/s, fleet state ${state}: ${r.allowed} allowed of ${r.sent} (limit ${BURST_MAX_CALLS})\n`);
  }
}

/** One enforcer's CPU per decision it answered, fleet state off and on, in alternating rounds. */
async function benchCpu(trios: Record<'off' | 'on', readonly EnforcerProcess[]>): Promise<void> {
  const samples: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (const state of ['off', 'on'] as const) {
    await load({ addresses: addresses(trios[state]), agents: LOAD_AGENTS, tool: LAG_TOOL, rate: CPU_RATE, count: CPU_RATE * 2 }); // warm-up
    await settle(trios[state]);
  }
  for (let round = 1; round <= CPU_ROUNDS; round++) {
    const order = round % 2 === 1 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const state of order) {
      const trio = trios[state];
      const measured = trio[0]!;
      const cpu0 = processCpuMicros(measured.process.pid!);
      const r = await load({ addresses: addresses(trio), agents: LOAD_AGENTS, tool: LAG_TOOL, rate: CPU_RATE, count: CPU_RATE * CPU_SECONDS });
      // The folds of the round's last decisions belong to the round; the same wait for both.
      await settle(trio);
      await sleep(300);
      const cpu = (processCpuMicros(measured.process.pid!) - cpu0) / Math.max(1, r.perEnforcer[0] ?? 0);
      samples[state].push(cpu);
      report.add(`fleet.cpu.round${round}.${state}.us_per_decision`, cpu, 'us');
      process.stderr.write(`cpu round ${round} fleet state ${state}: ${cpu.toFixed(1)} µs per decision (${r.perEnforcer[0]} answered by ${measured.name})\n`);
      await sleep(500);
    }
  }
  const median = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50);
  const [off, on] = [median(samples.off), median(samples.on)];
  const paired = samples.on.map((x, i) => x / samples.off[i]!);
  report.add('fleet.cpu.off.us_per_decision', off, 'us');
  report.add('fleet.cpu.on.us_per_decision', on, 'us');
  report.add('fleet.cpu.on_over_off', on / off, 'ratio');
  report.add('fleet.cpu.on_over_off_round_min', Math.min(...paired), 'ratio');
  report.add('fleet.cpu.on_over_off_round_max', Math.max(...paired), 'ratio');
  report.note(
    `fleet.cpu.*: the process CPU (user + system, every thread, /proc/<pid>/stat) of one enforcer of each trio over a round, divided by the decisions it answered; ` +
      `${CPU_ROUNDS} rounds, each running both trios in alternating order, ${CPU_RATE.toLocaleString('en-US')}/s in total for ${CPU_SECONDS} s (a third to each enforcer), medians (paired round ratios beside). ` +
      `Fleet state on folds the other two's decisions (2/3 of the load) from its topic; off only produces. Target: on ≤ 1.10 × off → ${on / off <= 1.1 ? 'within' : 'over'} (${(on / off).toFixed(3)}).`,
  );
}

const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topics = { on: `thoth-bench-fleet-${runId}.decisions-on`, off: `thoth-bench-fleet-${runId}.decisions-off`, receiptKeys: `thoth-bench-fleet-${runId}.receipt-keys` };
// Each enforcer's fleet consumers join groups named after it (thoth-enforcer.fleet.<id>…): deleted at the end.
const enforcerPrefix = `bench-fleet-${runId}`;
const logDir = KEEP_LOGS ? (mkdirSync(KEEP_LOGS, { recursive: true }), KEEP_LOGS) : mkdtempSync(join(tmpdir(), 'thoth-bench-fleet-'));
const cleanups: Array<() => Promise<unknown>> = [];
const started = Date.now();
const loadAtStart = loadavg();
let failed = false;
let shuttingDown: Promise<void> | undefined;
// Interrupted: the same clean-up as at the end, then out.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().then(() => process.exit(130)));
try {
  const kafka = await benchKafka();
  const admin: Admin = kafkaClient(kafka.connection, { clientId: 'thoth-bench-fleet' }).admin();
  await admin.connect();
  cleanups.push(async () => {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch((e: unknown) => process.stderr.write(`could not delete the run's topics: ${String(e)}\n`));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`thoth-enforcer.fleet.${enforcerPrefix}-`));
    // Groups whose members left with no offsets committed are gone already (GROUP_ID_NOT_FOUND): nothing was left behind.
    if (groups.length > 0) {
      await admin.deleteGroups(groups).catch((e: { groups?: { groupId: string; error?: { type?: string; message: string } }[] }) => {
        const left = (e.groups ?? []).filter((g) => g.error !== undefined && g.error.type !== 'GROUP_ID_NOT_FOUND');
        if (left.length > 0 || e.groups === undefined) process.stderr.write(`could not delete the run's consumer groups: ${left.map((g) => `${g.groupId}: ${g.error?.message}`).join(', ') || String(e)}\n`);
      });
    }
    await admin.disconnect();
  });
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.on, numPartitions: DECISION_PARTITIONS, replicationFactor: 1 },
      { topic: topics.off, numPartitions: DECISION_PARTITIONS, replicationFactor: 1 },
      { topic: topics.receiptKeys, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });

  // The control plane's part: the tenant's signed snapshot on the config stream, and the receipt key directory.
  const signer = signerFromSeed(generateSigningKey());
  const cache = new SnapshotCache({ signer });
  const published = cache.setSnapshot(FLEET_TENANT, fleetConfig([...LOAD_AGENTS, ...RATES.flatMap((r) => [burstAgent(`on-rate${r}`), burstAgent(`off-rate${r}`)])]));
  if (!published.ok) throw new Error(published.message);
  const status = new AnnouncedKeys();
  const publisher = new ReceiptKeyPublisher({
    signer,
    sink: kafkaReceiptKeySink({ connection: kafka.connection, topic: topics.receiptKeys, clientId: 'thoth-bench-fleet' }, log.child({}, { level: 'error' })),
    tenants: async () => [FLEET_TENANT],
    enforcers: async () => status.enforcers(),
    log,
    retryMs: 500,
  });
  status.onAnnounced = (tenantIds) => tenantIds.forEach((t) => publisher.changed(t));
  cleanups.push(() => publisher.close());
  const tokens: Record<string, EnforcerIdentity> = {};
  const tokenOf = (state: string, i: number) => `thoth_et_bench_fleet_${state}_${i}`;
  for (const state of ['on', 'off']) for (let i = 1; i <= ENFORCERS; i++) tokens[tokenOf(state, i)] = { enforcerId: randomUUID(), tenantIds: [FLEET_TENANT] };
  const streams = new ConfigStreamServer({ cache, authenticator: new StaticEnforcerAuthenticator(tokens), status, heartbeatIntervalMs: 5_000 });
  const server = new Server();
  streams.register(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  cleanups.push(async () => {
    streams.closeAll();
    server.forceShutdown();
  });

  // The trio measured (fleet state as THOTH_BENCH_FLEET_STATE says, on by default) and its peer without it.
  const trios = { on: [] as EnforcerProcess[], off: [] as EnforcerProcess[] };
  const primary = FLEET_STATE;
  for (const state of ['on', 'off'] as const) {
    for (let i = 1; i <= ENFORCERS; i++) {
      trios[state].push(
        await startEnforcer(`${enforcerPrefix}-${state}-${i}`, {
          fleetState: state === 'on' ? primary : 'off',
          token: tokenOf(state, i),
          configStream: `127.0.0.1:${port}`,
          configKey: publicKeyBase64(signer),
          decisionsTopic: topics[state],
          receiptKeysTopic: topics.receiptKeys,
          kafkaEnv: kafka.env,
          logDir,
        }),
      );
    }
  }
  await waitReady([...trios.on, ...trios.off]);
  const announced = Date.now() + 30_000;
  while (status.receiptKeys.length < 2 * ENFORCERS) {
    if (Date.now() > announced) throw new Error(`only ${status.receiptKeys.length} of ${2 * ENFORCERS} enforcers announced a receipt key`);
    await sleep(100);
  }
  await publisher.idle();
  const fleetShown = (await readyz(trios.on[0]!))?.fleet;
  if (primary === 'on' && fleetShown === undefined) report.note('the enforcers show no fleet state in /readyz (THOTH_FLEET_STATE not known to this tree): lag and its bound are absent, the overshoot is that of enforcers sharing nothing.');
  process.stderr.write(`${2 * ENFORCERS} enforcers ready (fleet state ${primary}${fleetShown ? `: ${fleetShown.state}` : ', not shown'}) in ${((Date.now() - started) / 1_000).toFixed(1)} s\n`);

  const p99ByRate = ONLY.has('lag') ? await benchLag(trios.on) : new Map<number, number>();
  if (ONLY.has('overshoot')) {
    await benchOvershoot(trios.on, p99ByRate, 'on');
    await benchOvershoot(trios.off, p99ByRate, 'off');
  }
  if (ONLY.has('cpu')) await benchCpu(trios);

  report.add('fleet.enforcers', ENFORCERS, 'count');
  report.add('fleet.overshoot.limit_calls', BURST_MAX_CALLS, 'count');
  report.add('fleet.bench_seconds', (Date.now() - started) / 1_000, 'count');
  report.note(
    `Three enforcer processes (apps/enforcer/src/main.ts, fleet state ${primary}), one tenant, the local secured broker (SASL_SSL), decision topic of ${DECISION_PARTITIONS} partitions; ` +
      `one load generator process: DecideStream, open loop (a 1 ms timer), calls round-robin over the three and over ${LOAD_AGENTS.length} agents, ${LAG_SECONDS} s per rate after a warm-up.`,
  );
  report.note(
    'fleet.lag.*: fold time − decided_at of every peer decision an enforcer folded during the phase (thoth_enforcer_fleet_propagation_seconds: the difference of two scrapes, the three enforcers summed); ' +
      'p50/p99 interpolated linearly within buckets (0.001 … 10 s), as PromQL histogram_quantile does: a figure inside a bucket is an estimate, not a sample.',
  );
  report.note(
    `fleet.overshoot.*: one agent, a limit of ${BURST_MAX_CALLS} calls an hour, calls round-robin over the three at the rate for max(1 s, ${5 * BURST_MAX_CALLS} calls); calls = allowed − ${BURST_MAX_CALLS}. ` +
      `bound_calls = r × L × (n−1)/n, L the lag phase's p99 at that rate, n = ${ENFORCERS}: what docs state the overshoot stays under; bound_calls_burst_lag: the same with the burst's own p99 lag (burst_p99_lag_ms). fleet.overshoot.off.*: the same burst on the trio without fleet state ((n−1) × the limit when every enforcer gets its share).`,
  );
  const loadAtEnd = loadavg();
  report.note(`machine: load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${loadAtEnd.map((x) => x.toFixed(2)).join(' ')} at the end (2 cores shared with whatever else runs).`);
  report.write();
} catch (error) {
  failed = true;
  process.stderr.write(`bench:fleet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await shutdown();
}
process.exit(failed ? 1 : 0);

/** Stops every process the run started, deletes its topics and groups and its temporary directory; once. */
async function shutdown(): Promise<void> {
  if (shuttingDown) return shuttingDown;
  shuttingDown = (async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.race([Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined))), sleep(5_000)]);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => process.stderr.write(`cleanup: ${String(e)}\n`));
    if (KEEP_LOGS) process.stderr.write(`the enforcers' logs are in ${logDir}\n`);
    else rmSync(logDir, { recursive: true, force: true });
  })();
  return shuttingDown;
}
