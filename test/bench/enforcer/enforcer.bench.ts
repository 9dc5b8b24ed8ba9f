// `pnpm bench:enforcer` (DESIGN.md "Performance targets", issue 5 acceptance 4): Decide over
// gRPC on loopback at offered 1k/5k/10k per s (open loop), DecideStream throughput,
// publish → activation on 1,000 config streams, and the RSS of an enforcer holding 1,000
// tenants' 200-rule snapshots with 100,000 live window keys. Enforcer and load generator
// run in separate processes; everything is loopback and bounded in time.
import { Client, Metadata, Server, ServerCredentials, credentials } from '@grpc/grpc-js';
import { Enforcer, type DecideResponse } from '@thoth/contracts';
import { createClient } from '@thoth/grpc';
import { generateSigningKey, publicKeyBase64, signerFromSeed } from '@thoth/snapshot';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  ConfigStreamServer,
  InMemoryEnforcerStatusSink,
  SnapshotCache,
  StaticEnforcerAuthenticator,
  type EnforcerIdentity,
} from '../../../apps/control-plane/src/distribution/index.js';
import { BenchReport, percentile } from '../lib/results.js';
import { benchCalls, benchConfig, benchPolicy, type BenchCall } from './bench-tenant.js';

const RATES = [1_000, 5_000, 10_000];
const RATE_SECONDS = Number(process.env['THOTH_BENCH_RATE_SECONDS'] ?? 5);
const STREAMS = Number(process.env['THOTH_BENCH_STREAMS'] ?? 1_000);
const SUBSCRIBER_PROCESSES = 4;
const PROPAGATION_ROUNDS = 5;
const RSS_TENANTS = Number(process.env['THOTH_BENCH_RSS_TENANTS'] ?? 1_000);

const report = new BenchReport('enforcer');
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const children: ChildProcess[] = [];

function child(file: string, args: string[], nodeFlags: string[] = []): { process: ChildProcess; lines: AsyncIterator<string> } {
  const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', here(file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(proc);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return { process: proc, lines };
}

async function firstLine(lines: AsyncIterator<string>): Promise<string> {
  const next = await lines.next();
  if (next.done) throw new Error('child exited without output');
  return next.value;
}

const sorted = (xs: number[]) => Float64Array.from(xs).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function metadataFor(calls: readonly BenchCall[]): Map<string, Metadata> {
  const out = new Map<string, Metadata>();
  for (const { token } of calls) {
    if (out.has(token)) continue;
    const m = new Metadata();
    m.set('authorization', `Bearer ${token}`);
    out.set(token, m);
  }
  return out;
}

/** Open loop: requests leave on schedule whatever the answers do; latency from each send to its answer. */
async function openLoop(client: ReturnType<typeof createClient<typeof Enforcer>>, calls: readonly BenchCall[], auth: Map<string, Metadata>, rate: number, seconds: number) {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const started = process.hrtime.bigint();
  while (sent < total) {
    const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
    const due = Math.min(total, Math.floor(elapsedS * rate));
    for (; sent < due; sent++) {
      const call = calls[sent % calls.length]!;
      const t0 = process.hrtime.bigint();
      pending.push(
        client.decide(call.request, { metadata: auth.get(call.token)!, deadlineMs: 10_000 }).then(
          () => void latencies.push(Number(process.hrtime.bigint() - t0) / 1e6),
          () => void errors++,
        ),
      );
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  return { latencies: sorted(latencies), errors, achieved: latencies.length / elapsedS };
}

async function benchDecide(): Promise<void> {
  const enforcer = child('./enforcer-process.ts', ['decide']);
  const { address } = JSON.parse(await firstLine(enforcer.lines)) as { address: string };
  const channel = new Client(address, credentials.createInsecure());
  const client = createClient(Enforcer, channel);
  const calls = benchCalls('tenant-bench', benchPolicy(200), 5_000);
  const auth = metadataFor(calls);
  try {
    await openLoop(client, calls, auth, 2_000, 2); // warm-up: JIT, connection, caches
    for (const rate of RATES) {
      const r = await openLoop(client, calls, auth, rate, RATE_SECONDS);
      report.add(`decide.unary.rate${rate}.p50_ms`, percentile(r.latencies, 50), 'ms');
      report.add(`decide.unary.rate${rate}.p99_ms`, percentile(r.latencies, 99), 'ms');
      report.add(`decide.unary.rate${rate}.max_ms`, r.latencies[r.latencies.length - 1] ?? 0, 'ms');
      report.add(`decide.unary.rate${rate}.achieved_per_s`, r.achieved, 'per_s');
      report.add(`decide.unary.rate${rate}.errors`, r.errors, 'count');
      await sleep(500);
    }

    // DecideStream: 4 pipelined streams, one agent each (the token is per stream).
    const byAgent = new Map<string, BenchCall[]>();
    for (const c of calls) byAgent.set(c.request.agentId, [...(byAgent.get(c.request.agentId) ?? []), c]);
    const agents = [...byAgent.values()].sort((a, b) => b.length - a.length).slice(0, 4);
    const perStream = 25_000;
    const runStreams = async (n: number) => {
      const t0 = process.hrtime.bigint();
      let answered = 0;
      await Promise.all(
        agents.map(async (agentCalls) => {
          const stream = client.decideStream({ metadata: auth.get(agentCalls[0]!.token)! });
          const reading = (async () => {
            for await (const answer of stream as AsyncIterable<DecideResponse>) if (answer.decisionId) answered++;
          })();
          for (let i = 0; i < n; i++) await stream.send(agentCalls[i % agentCalls.length]!.request);
          stream.end();
          await reading;
        }),
      );
      return { answered, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    };
    await runStreams(5_000);
    const s = await runStreams(perStream);
    report.add('decide.stream.throughput_per_s', s.answered / s.seconds, 'per_s');
    report.add('decide.stream.decisions', s.answered, 'count');
  } finally {
    channel.close();
    enforcer.process.kill('SIGTERM');
  }
}

async function benchPropagation(): Promise<void> {
  const signer = signerFromSeed(generateSigningKey());
  const cache = new SnapshotCache({ signer });
  const status = new InMemoryEnforcerStatusSink();
  const tokens: Record<string, EnforcerIdentity> = {};
  for (let i = 0; i < STREAMS; i++) tokens[`thoth_et_bench_${i}`] = { enforcerId: `bench-enforcer-${i}`, tenantIds: ['tenant-prop'] };
  const streams = new ConfigStreamServer({ cache, authenticator: new StaticEnforcerAuthenticator(tokens), status, heartbeatIntervalMs: 5_000 });
  const server = new Server();
  streams.register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const policy = benchPolicy(20, 7);
  const agentId = policy.agents[0]!.id;
  let suspended = false;
  const publish = () => {
    const result = cache.setSnapshot('tenant-prop', benchConfig('tenant-prop', policy, { suspended: new Set(suspended ? [agentId] : []) }));
    if (!result.ok) throw new Error(result.message);
    suspended = !suspended;
    return result.snapshot;
  };
  const ackedAll = async (version: bigint, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const acks = status.acks.filter((a) => a.version === version);
      if (new Set(acks.map((a) => a.instanceId)).size >= STREAMS) return acks;
      if (Date.now() > deadline) throw new Error(`only ${acks.length} of ${STREAMS} streams acked version ${version}`);
      await sleep(5);
    }
  };

  const first = publish();
  const per = Math.ceil(STREAMS / SUBSCRIBER_PROCESSES);
  const subscribers = [];
  for (let p = 0; p < SUBSCRIBER_PROCESSES; p++) {
    const count = Math.min(per, STREAMS - p * per);
    subscribers.push(child('./subscribers-process.ts', [`127.0.0.1:${port}`, String(count), String(p * per), publicKeyBase64(signer)]));
  }
  try {
    await Promise.all(subscribers.map((s) => firstLine(s.lines)));
    await ackedAll(first.version, 120_000);
    const latencies: number[] = [];
    for (let round = 0; round < PROPAGATION_ROUNDS; round++) {
      await sleep(300);
      const snapshot = publish(); // the kill switch: one agent suspended or resumed
      const acks = await ackedAll(snapshot.version, 60_000);
      const firstAck = new Map<string, number>();
      for (const a of acks) if (!firstAck.has(a.instanceId)) firstAck.set(a.instanceId, a.at);
      for (const at of firstAck.values()) latencies.push(at - snapshot.publishedAt);
    }
    const s = sorted(latencies);
    report.add(`propagation.streams${STREAMS}.p50_ms`, percentile(s, 50), 'ms');
    report.add(`propagation.streams${STREAMS}.p99_ms`, percentile(s, 99), 'ms');
    report.add(`propagation.streams${STREAMS}.max_ms`, s[s.length - 1] ?? 0, 'ms');
    report.add(`propagation.streams${STREAMS}.samples`, s.length, 'count');
  } finally {
    for (const s of subscribers) s.process.kill('SIGTERM');
    streams.closeAll();
    server.forceShutdown();
  }
}

async function benchRss(): Promise<void> {
  const rss = child('./enforcer-process.ts', ['rss', String(RSS_TENANTS)], ['--expose-gc']);
  const r = JSON.parse(await firstLine(rss.lines)) as { rssMb: number; heapMb: number; tenants: number; liveKeys: number; compileMs: number };
  report.add('enforcer.rss_mb', r.rssMb, 'mb');
  report.add('enforcer.heap_mb', r.heapMb, 'mb');
  report.add('enforcer.rss.tenants', r.tenants, 'count');
  report.add('enforcer.rss.live_window_keys', r.liveKeys, 'count');
  report.add('enforcer.rss.activate_all_ms', r.compileMs, 'ms');
}

try {
  await benchDecide();
  await benchPropagation();
  await benchRss();
  report.note('Decide: enforcer in its own process with a 200-rule tenant policy; open-loop load from this process over one HTTP/2 connection; latency from send to answer, receipt signing included; the decision log is in-process (the answer never waits on Kafka).');
  report.note(`propagation: publish (kill switch) → ACK received by the control plane, ${STREAMS} config streams from ${SUBSCRIBER_PROCESSES} processes on the same machine, each verifying and activating like an enforcer (20-rule policy, re-bound not recompiled); ${PROPAGATION_ROUNDS} rounds.`);
  report.note(`rss: ${RSS_TENANTS} tenants with distinct 200-rule policies + 100,000 window keys, after GC.`);
  report.write();
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
process.exit(0);
