// `pnpm bench:sdk` (issue 7 acceptance 4): what the SDK adds to a tool call. A no-op tool
// is called bare, through a raw Decide (the gRPC call alone, prebuilt request), and
// through guard() (request building, Decide, answer handling, then the tool), one call at
// a time against an enforcer in a child process on loopback. Overhead = guarded call −
// bare call, for the default transport (DecideStream) and for unary Decide; and
// pipelined throughput. Then the same for the Python SDK (libs/sdk-python/scripts/bench_guard.py,
// in its venv) against the same enforcer: python.guard.overhead beside sdk.guard.overhead.
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { Enforcer } from '@thoth/contracts';
import { createClient } from '@thoth/grpc';
import { Thoth } from '@thoth/sdk';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BenchReport, percentile } from '../lib/results.js';

const BENCH_TENANT = '7e0a0000-0000-4000-8000-00000000be03';
const BENCH_AGENT = { id: 'crm-agent', token: 'thoth_at_sdk_bench_crm_agent' };
const WARMUP = 3_000;
const SAMPLES = Number(process.env['THOTH_BENCH_SDK_SAMPLES'] ?? 20_000);
const PIPELINED = 50_000;

const report = new BenchReport('sdk');
const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./enforcer-process.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
const killChild = () => child.kill('SIGKILL');
process.on('exit', killChild);

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = await lines.next();
  if (next.done) throw new Error('enforcer process exited without output');
  return next.value;
}

/** Per-call latencies in ms of `call`, awaited one at a time, after a warm-up. */
async function timed(call: (i: number) => Promise<unknown>, samples = SAMPLES): Promise<Float64Array> {
  for (let i = 0; i < WARMUP; i++) await call(i);
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    await call(i);
    out[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return out.sort();
}

function addLatency(prefix: string, sorted: Float64Array): void {
  report.add(`${prefix}.p50_ms`, percentile(sorted, 50), 'ms');
  report.add(`${prefix}.p99_ms`, percentile(sorted, 99), 'ms');
}

const { address } = JSON.parse(await firstLine()) as { address: string };
const args = { table: 'contacts', id: 42 };
const noop = async (a: typeof args) => a.id;

try {
  // Bare tool call.
  const bare = await timed(() => noop(args));
  addLatency('sdk.bare_tool', bare);

  // Raw Decide: one prebuilt request, a grpc channel of its own, no SDK.
  const channel = new Client(address, credentials.createInsecure());
  const raw = createClient(Enforcer, channel);
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${BENCH_AGENT.token}`);
  const thoth = new Thoth({ address, tenantId: BENCH_TENANT, agentId: BENCH_AGENT.id, agentToken: BENCH_AGENT.token, deadlineMs: 2_000 });
  await thoth.client.connect();
  const request = thoth.client.request({ tool: 'crm.read_contacts', arguments: args, resource: 'crm://contacts/42' });
  const rawDecide = await timed(() => raw.decide(request, { metadata, deadlineMs: 2_000 }));
  addLatency('sdk.raw_decide_unary', rawDecide);
  channel.close();

  // guard() with the default transport (one DecideStream): everything the SDK does per
  // call, then the tool. This is what an agent gets out of the box.
  const guarded = thoth.guard(noop, { name: 'crm.read_contacts', risk: 'read', resource: (a) => `crm://${a.table}/${a.id}`, credential: 'crm-api-key' });
  const viaGuard = await timed(() => guarded(args));
  addLatency('sdk.guard', viaGuard);
  const bareP50 = percentile(bare, 50);
  report.add('sdk.guard.overhead.p50_ms', percentile(viaGuard, 50) - bareP50, 'ms');
  report.add('sdk.guard.overhead.p99_ms', percentile(viaGuard, 99) - bareP50, 'ms');

  // guard() over unary Decide, against the raw unary Decide it makes.
  const unary = new Thoth({ address, tenantId: BENCH_TENANT, agentId: BENCH_AGENT.id, agentToken: BENCH_AGENT.token, deadlineMs: 2_000, transport: 'unary' });
  const guardedUnary = unary.guard(noop, { name: 'crm.read_contacts', risk: 'read', resource: (a) => `crm://${a.table}/${a.id}`, credential: 'crm-api-key' });
  const viaUnary = await timed(() => guardedUnary(args));
  addLatency('sdk.guard_unary', viaUnary);
  report.add('sdk.guard_unary.overhead.p99_ms', percentile(viaUnary, 99) - bareP50, 'ms');
  report.add('sdk.guard_unary.cost_over_raw_decide.p50_ms', percentile(viaUnary, 50) - percentile(rawDecide, 50), 'ms');
  unary.close();

  // Pipelined: many guarded calls in flight on the one stream (an agent fanning out).
  const inFlight = 256;
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < PIPELINED) {
        next++;
        await guarded(args);
      }
    }),
  );
  report.add('sdk.guard.pipelined_per_s', PIPELINED / (Number(process.hrtime.bigint() - t0) / 1e9), 'per_s');
  thoth.close();

  // The Python SDK, same enforcer, same tool and policy, one call at a time.
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const python = execFileSync('bash', [`${root}infra/local/python.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1)!;
  const pySamples = Math.min(SAMPLES, 10_000);
  const py = JSON.parse(
    execFileSync(python, [`${root}libs/sdk-python/scripts/bench_guard.py`, address, BENCH_TENANT, BENCH_AGENT.id, BENCH_AGENT.token, String(pySamples), '1000'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  ) as Record<'bare_tool' | 'guard_stream' | 'guard_unary' | 'guard_async_stream', { p50_ms: number; p99_ms: number }>;
  const pyBare = py.bare_tool.p50_ms;
  for (const [name, key] of [
    ['python.guard', 'guard_stream'],
    ['python.guard_unary', 'guard_unary'],
    ['python.guard_async', 'guard_async_stream'],
  ] as const) {
    report.add(`${name}.p50_ms`, py[key].p50_ms, 'ms');
    report.add(`${name}.p99_ms`, py[key].p99_ms, 'ms');
    report.add(`${name}.overhead.p50_ms`, py[key].p50_ms - pyBare, 'ms');
    report.add(`${name}.overhead.p99_ms`, py[key].p99_ms - pyBare, 'ms');
  }
  report.note(`python.*: thoth (libs/sdk-python) against the same enforcer, ${pySamples} samples after 1000 warm-up; python.guard is a sync tool over DecideStream, python.guard_async an async one; overhead = guarded − bare Python call p50`);

  report.note(`one call at a time, ${SAMPLES} samples after ${WARMUP} warm-up; enforcer in a child process on loopback; overhead = guarded − bare p50; target sdk.guard.overhead.p99_ms ≤ 2`);
  report.note('sdk.guard uses the default transport (one DecideStream per client); sdk.guard_unary one unary Decide per call');
  report.write();
} finally {
  killChild();
}
