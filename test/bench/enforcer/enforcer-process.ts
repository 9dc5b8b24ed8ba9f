// A child process of the enforcer benchmark, so load generator and enforcer do not share
// an event loop (and RSS is the enforcer's alone).
//   floor:  the same, but answering from a bare node:http2 server with one real answer's bytes:
//           what the transport and the generator cost with no enforcer work at all.
//   decide: an enforcer with one 200-rule tenant; prints {"address", "publicKey"} (its receipt key)
//           and serves until killed; answers "cpu" on stdin with its process.cpuUsage(), its
//           event-loop delay and the decisions its log has delivered. argv[3]: the gRPC server
//           serving Decide, `node-http2` (default: the enforcer's own, @thoth/grpc's GrpcServer)
//           or `connect` (ConnectGrpcServer, @connectrpc/connect-node, set up as enforcer.ts sets
//           up GrpcServer, with the enforcer's own handlers; the enforcer's idle server stays up).
//           With THOTH_BENCH_TLS_DIR set (a directory of infra/local/tls.sh: enforcer.crt/.key),
//           Decide listens with TLS.
//   rss:    restores the signed snapshots the parent stored in a directory (argv: dir, control-plane
//           public key) + 100,000 live window keys; prints {"rssMb"}.
import { generateSigningKey, keyring, publicKeyBase64, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { InProcessDecisionLog } from '../../../apps/enforcer/src/emit/in-process-decision-log.js';
import { DEFAULT_MAX_ARGUMENTS_BYTES, startEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { enforcerHandlers } from '../../../apps/enforcer/src/decide/enforcer-service.js';
import { ConnectGrpcServer } from './connect-server.js';
import { Enforcer as EnforcerService } from '@thoth/contracts';
import { Health } from '@thoth/contracts/health';
import { activate } from '../../../apps/enforcer/src/sync/activate.js';
import v8 from 'node:v8';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { benchCalls, benchConfig, benchPolicy } from './bench-tenant.js';
import { DecideResponseSchema } from '@thoth/contracts';
import { grpcFrameEncoder } from '@thoth/grpc';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const mode = process.argv[2];
const cp = signerFromSeed(generateSigningKey());
// rss: the control plane's key and the stored snapshots come from the parent.
const trusted = mode === 'rss' ? keyring([verifierFromPublicKey(process.argv[4] ?? '')]) : keyring([verifierFromPublicKey(cp.publicKey)]);
const log = new InProcessDecisionLog({ capacity: 1_000_000 });
log.subscribe(() => {}); // events are consumed and discarded: Decide is measured, not Kafka
const signer = signerFromSeed(generateSigningKey());
const started = Date.now();
const tlsDir = process.env['THOTH_BENCH_TLS_DIR'];
const tls = tlsDir ? { cert: readFileSync(join(tlsDir, 'enforcer.crt')), key: readFileSync(join(tlsDir, 'enforcer.key')) } : undefined;
const enforcer = await startEnforcer({
  enforcerId: `bench-${mode}`,
  listen: { host: '127.0.0.1', port: 0, ...(tls ? { tls } : {}) },
  trustedKeys: trusted,
  signer,
  decisionLog: log,
  windowMaxKeys: 200_000,
  // rss: restores (verifies, compiles, activates) every snapshot the parent stored, as a
  // restarted enforcer does; the process never generates or signs policies itself.
  ...(mode === 'rss' ? { snapshotDir: process.argv[3] } : {}),
});
const activateMs = Date.now() - started;

// Exit on SIGTERM through process.exit so that --cpu-prof / --heap-prof write their files.
process.on('SIGTERM', () => process.exit(0));

if (mode === 'decide' || mode === 'floor') {
  const policy = benchPolicy(200);
  const result = activate(enforcer.store, signSnapshot({ ...benchConfig('7e0a0000-0000-4000-8000-00000000be01', policy), version: 1n }, cp).signed, trusted, Date.now());
  if (!result.ok) throw new Error(result.message);
  let address = enforcer.address;
  if (mode === 'decide' && process.argv[3] === 'connect') {
    const server = new ConnectGrpcServer({ maxReceiveMessageLength: DEFAULT_MAX_ARGUMENTS_BYTES + 64 * 1024 });
    server.addService(EnforcerService, enforcerHandlers(enforcer.decisions, enforcer.metrics));
    server.addService(Health, enforcer.health.handlers());
    address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  }
  if (mode === 'floor') {
    // The transport's floor: a bare node:http2 server that answers every call with the bytes
    // of one real answer (decided and signed once), so the generator's checks still pass.
    const [call] = benchCalls('7e0a0000-0000-4000-8000-00000000be01', policy, 1);
    const answer = await enforcer.decisions.decide(call!.request, call!.token, '127.0.0.1');
    if (!answer.ok) throw new Error(answer.error.message);
    const frame = grpcFrameEncoder(DecideResponseSchema)(answer.response);
    await enforcer.stop({ drainTimeoutMs: 100 });
    const server = createServer();
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.on('data', () => {});
      stream.once('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
        stream.end(frame);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  process.stdout.write(`${JSON.stringify({ address, publicKey: publicKeyBase64(signer) })}\n`);
  // The parent asks for this process's CPU time around each phase ("cpu" on stdin): CPU µs
  // per decision is a figure that, unlike throughput, other load on the machine barely moves.
  // Event-loop delay since the previous "cpu": what a request waits before the enforcer can read it.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line !== 'cpu') return;
    const loopDelay = { p50Ms: delay.percentile(50) / 1e6, p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 };
    delay.reset();
    // decisions: every event the decision log has delivered (the bench's h2load phase checks that each answered call was decided)
    process.stdout.write(`${JSON.stringify({ ...process.cpuUsage(), loopDelay, decisions: log.stats().delivered })}\n`);
  });
} else if (mode === 'rss') {
  const tenants = enforcer.store.size;
  const now = Date.now();
  for (let k = 0; k < 100_000; k++) {
    enforcer.state.apply([{ key: `tenant-${k % tenants}\u0000limit-${k % 7}\u0000agent-${k}`, windowMs: 600_000, calls: 1, records: 1 }], now);
  }
  // Steady state: collect, then let V8's background unmapper release freed pages before measuring.
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  await new Promise((r) => setTimeout(r, Number(process.env['THOTH_BENCH_RSS_SETTLE_MS'] ?? 2_000)));
  gc?.();
  const memory = process.memoryUsage();
  const mb = (n: number) => n / 2 ** 20;
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { usedMb: mb(s.space_used_size), committedMb: mb(s.physical_space_size) }]));
  process.stdout.write(
    `${JSON.stringify({ rssMb: mb(memory.rss), heapMb: mb(memory.heapUsed), heapTotalMb: mb(memory.heapTotal), externalMb: mb(memory.external), tenants, liveKeys: enforcer.state.stats().liveKeys, compileMs: activateMs, spaces })}\n`,
  );
  await enforcer.stop({ drainTimeoutMs: 100 });
  process.exit(0);
}
