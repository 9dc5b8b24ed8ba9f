// The load generator of the enforcer benchmark, in a process of its own so that it never
// shares an event loop with the coordinator or the enforcer. It speaks gRPC over node:http2
// directly, with every request encoded once before the clock starts — as h2load or ghz
// would — so that its CPU per call stays small beside the enforcer's on a 2-core machine
// (a grpc-js client spends ~200 µs per unary call, more than the enforcer under test).
// Every answer is checked: gRPC status OK and a DecideResponse whose first field is a
// decision id; one in VERIFY_EVERY is decoded in full and its receipt verified with the
// enforcer's public key.
//
// argv: one JSON object, `LoadSpec`; prints one JSON line, `LoadResult`.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { DecideRequestSchema, DecideResponseSchema } from '@thoth/contracts';
import { keyring, verifierFromPublicKey, verifyReceipt } from '@thoth/snapshot';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dueBy, openLoopLatencyMs } from '../lib/open-loop.js';
import { percentile } from '../lib/results.js';
import { benchCalls, benchPolicy, type BenchCall } from './bench-tenant.js';

export type LoadSpec =
  | {
      readonly kind: 'unary';
      readonly address: string;
      readonly publicKey: string;
      /** Offered decisions per second (open loop: requests leave on schedule whatever the answers do). */
      readonly rate: number;
      readonly seconds: number;
      readonly connections: number;
      /** PEM of the CA the enforcer's certificate chains to: connect with TLS. */
      readonly ca?: string;
    }
  | {
      readonly kind: 'stream';
      readonly address: string;
      readonly publicKey: string;
      /** Decisions sent on each stream (one stream per agent, the token is per stream). */
      readonly perStream: number;
      readonly streams: number;
      readonly connections: number;
      /** Requests sent and not yet answered, at most, per stream. */
      readonly depth: number;
      /** PEM of the CA the enforcer's certificate chains to: connect with TLS. */
      readonly ca?: string;
    };

export interface LoadResult {
  /**
   * Unary: ms from each request's intended send time (its slot in the open-loop schedule) to its
   * answer, so the generator's own stalls count against every request they delayed; `within2Ms`
   * the share answered within 2 ms.
   */
  readonly latencyMs?: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly within2Ms: number };
  readonly answered: number;
  readonly errors: number;
  readonly failedStreams?: number;
  readonly seconds: number;
  /** Answers decoded in full whose receipt verified. */
  readonly verified: number;
  /** Unary: the most the generator fell behind its schedule, ms (its own lag, not the enforcer's). */
  readonly maxSendLagMs?: number;
  /** Unary: ms from each request's actual send to its answer (hides the generator's lag: for comparison only). */
  readonly sentToAnswerMs?: { readonly p50: number; readonly p99: number };
  /** This process's CPU (user + system) during the phase, µs. */
  readonly cpuMicros: number;
  /** This process's event-loop delay during the phase, ms: time an answer may wait before it is timed. */
  readonly loopDelayMs: { readonly p99: number; readonly max: number };
}

const VERIFY_EVERY = 997;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
const loopDelayMs = () => ({ p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 });
const TENANT = '7e0a0000-0000-4000-8000-00000000be01';
const DECIDE = '/thoth.decision.v1.Enforcer/Decide';
const DECIDE_STREAM = '/thoth.decision.v1.Enforcer/DecideStream';

interface EncodedCall {
  readonly agentId: string;
  readonly token: string;
  /** The length-prefixed gRPC message. */
  readonly frame: Buffer;
}

function encode(calls: readonly BenchCall[]): EncodedCall[] {
  return calls.map(({ request, token }) => {
    const message = toBinary(DecideRequestSchema, request);
    const frame = Buffer.allocUnsafe(5 + message.length);
    frame[0] = 0;
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);
    return { agentId: request.agentId, token, frame };
  });
}

function headers(path: string, token: string, timeout?: string): Record<string, string> {
  return {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: path,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    [constants.HTTP2_HEADER_TE]: 'trailers',
    authorization: `Bearer ${token}`,
    ...(timeout ? { 'grpc-timeout': timeout } : {}),
  };
}

async function sessions(address: string, count: number, ca: string | undefined): Promise<ClientHttp2Session[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ClientHttp2Session>((resolve, reject) => {
          const settings = { initialWindowSize: 4 * 1024 * 1024 };
          const session = ca ? connect(`https://${address}`, { settings, ca }) : connect(`http://${address}`, { settings });
          session.once('connect', () => {
            session.setLocalWindowSize(16 * 1024 * 1024);
            resolve(session);
          });
          session.once('error', reject);
        }),
    ),
  );
}

/** Checks one answer; decodes and verifies it when `full`. Returns false when it is not a decision. */
function checkAnswer(message: Buffer, full: boolean, trusted: ReturnType<typeof keyring>): boolean {
  // DecideResponse.decision_id (field 1, length-delimited) is encoded first and never empty.
  if (message.length < 2 || message[0] !== 0x0a || message[1] === 0) return false;
  if (!full) return true;
  const response = fromBinary(DecideResponseSchema, new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
  return response.decisionId !== '' && response.receipt !== undefined && verifyReceipt(response.receipt, trusted).ok;
}

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const grpcStatus = (h: IncomingHttpHeaders | undefined) => h?.['grpc-status'];

async function unary(spec: Extract<LoadSpec, { kind: 'unary' }>, calls: readonly EncodedCall[], trusted: ReturnType<typeof keyring>): Promise<LoadResult> {
  const pool = await sessions(spec.address, spec.connections, spec.ca);
  const headerSets = new Map<string, Record<string, string>>();
  for (const c of calls) if (!headerSets.has(c.token)) headerSets.set(c.token, headers(DECIDE, c.token, '10S'));
  const total = Math.round(spec.rate * spec.seconds);
  const latencies: number[] = [];
  const sentToAnswer: number[] = [];
  let errors = 0;
  let verified = 0;
  let outstanding = 0;
  let maxLagNs = 0;
  let finished: (() => void) | undefined;
  const cpu0 = cpuNow();
  loopDelay.enable();
  const started = process.hrtime.bigint();

  const send = (n: number) => {
    const call = calls[n % calls.length]!;
    const t0 = process.hrtime.bigint();
    const req = pool[n % pool.length]!.request(headerSets.get(call.token)!, { endStream: false });
    outstanding++;
    const chunks: Buffer[] = [];
    let status: string | string[] | undefined;
    let at = 0n;
    // The answer is complete when its status arrives (trailers, or a trailers-only response).
    const onResponse = (h: IncomingHttpHeaders) => {
      if (h['grpc-status'] === undefined) return;
      status = h['grpc-status'];
      at = process.hrtime.bigint();
    };
    const onTrailers = (t: IncomingHttpHeaders) => {
      status = t['grpc-status'];
      at = process.hrtime.bigint();
    };
    const onData = (chunk: Buffer) => void chunks.push(chunk);
    const onError = () => {}; // counted on close
    req.on('response', onResponse);
    req.on('trailers', onTrailers);
    req.on('data', onData);
    req.on('error', onError);
    req.once('close', () => {
      // Node keeps closed streams until a full GC: they must not keep this request's objects.
      req.off('response', onResponse);
      req.off('trailers', onTrailers);
      req.off('data', onData);
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const ok = status === '0' && body.length >= 5 && body.readUInt32BE(1) === body.length - 5;
      const full = n % VERIFY_EVERY === 0;
      if (ok && checkAnswer(body.subarray(5), full, trusted)) {
        latencies.push(openLoopLatencyMs(n, spec.rate, Number(at - started)));
        sentToAnswer.push(Number(at - t0) / 1e6);
        if (full) verified++;
      } else errors++;
      if (--outstanding === 0 && finished) finished();
    });
    req.end(call.frame);
  };

  // Sends what is due, then sleeps until the next request is due (no busy loop: the
  // generator must not take the CPU the enforcer needs).
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsedNs = Number(process.hrtime.bigint() - started);
      const due = dueBy(elapsedNs, spec.rate, total);
      if (due > sent) maxLagNs = Math.max(maxLagNs, elapsedNs - ((due - 1) * 1e9) / spec.rate);
      for (; sent < due; sent++) send(sent);
      if (sent >= total) return resolve();
      const waitMs = ((sent * 1e9) / spec.rate - Number(process.hrtime.bigint() - started)) / 1e6;
      setTimeout(tick, Math.max(1, Math.floor(waitMs))); // timers tick in whole ms: up to rate/1000 leave together
    };
    tick();
  });
  if (outstanding > 0) await new Promise<void>((resolve) => (finished = resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMicros = cpuNow() - cpu0;
  for (const s of pool) s.close();
  const sorted = Float64Array.from(latencies).sort();
  const within2Ms = sorted.filter((ms) => ms <= 2).length / Math.max(1, sorted.length);
  const latencyMs =
    sorted.length > 0
      ? { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, within2Ms }
      : { p50: 0, p90: 0, p99: 0, max: 0, within2Ms: 0 };
  const fromSend = Float64Array.from(sentToAnswer).sort();
  const sentToAnswerMs = fromSend.length > 0 ? { p50: percentile(fromSend, 50), p99: percentile(fromSend, 99) } : { p50: 0, p99: 0 };
  return { latencyMs, answered: latencies.length, errors, seconds, verified, maxSendLagMs: maxLagNs / 1e6, sentToAnswerMs, cpuMicros, loopDelayMs: loopDelayMs() };
}

async function stream(spec: Extract<LoadSpec, { kind: 'stream' }>, calls: readonly EncodedCall[], trusted: ReturnType<typeof keyring>): Promise<LoadResult> {
  const pool = await sessions(spec.address, spec.connections, spec.ca);
  const byAgent = new Map<string, EncodedCall[]>();
  for (const c of calls) byAgent.set(c.agentId, [...(byAgent.get(c.agentId) ?? []), c]);
  const agents = [...byAgent.values()].sort((a, b) => b.length - a.length).slice(0, spec.streams);
  // Requests leave in runs of WRITE_RUN frames per write: a pipelining client's natural batching.
  const WRITE_RUN = Math.min(64, Math.max(1, spec.depth >> 2));
  let answered = 0;
  let errors = 0;
  let verified = 0;
  let failedStreams = 0;
  const cpu0 = cpuNow();
  loopDelay.enable();
  const started = process.hrtime.bigint();
  await Promise.all(
    agents.map(
      (agentCalls, s) =>
        new Promise<void>((resolve) => {
          const req = pool[s % pool.length]!.request(headers(DECIDE_STREAM, agentCalls[0]!.token));
          let sent = 0;
          let received = 0;
          let pending: Buffer = Buffer.alloc(0);
          let responseHeaders: IncomingHttpHeaders | undefined;
          let trailers: IncomingHttpHeaders | undefined;
          let waitingForDrain = false;
          const pump = () => {
            if (waitingForDrain) return;
            while (sent < spec.perStream && sent - received <= spec.depth - WRITE_RUN) {
              const run: Buffer[] = [];
              for (let i = 0; i < WRITE_RUN && sent < spec.perStream; i++, sent++) run.push(agentCalls[sent % agentCalls.length]!.frame);
              if (!req.write(run.length === 1 ? run[0]! : Buffer.concat(run))) {
                waitingForDrain = true;
                req.once('drain', () => {
                  waitingForDrain = false;
                  pump();
                });
                return;
              }
            }
            if (sent >= spec.perStream && !req.writableEnded) req.end();
          };
          req.on('response', (h) => (responseHeaders = h));
          req.on('trailers', (t) => (trailers = t));
          req.on('data', (chunk: Buffer) => {
            const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            let at = 0;
            while (buf.length - at >= 5) {
              const length = buf.readUInt32BE(at + 1);
              if (buf.length - at < 5 + length) break;
              const full = (answered + errors) % VERIFY_EVERY === 0;
              if (checkAnswer(buf.subarray(at + 5, at + 5 + length), full, trusted)) {
                answered++;
                if (full) verified++;
              } else errors++;
              received++;
              at += 5 + length;
            }
            pending = at === buf.length ? Buffer.alloc(0) : buf.subarray(at);
            pump();
          });
          req.on('error', () => {}); // judged on close
          req.on('close', () => {
            if ((grpcStatus(trailers) ?? grpcStatus(responseHeaders)) !== '0' || received !== spec.perStream) {
              failedStreams++;
              process.stderr.write(`DecideStream ended with grpc-status ${grpcStatus(trailers) ?? grpcStatus(responseHeaders)} after ${received} of ${spec.perStream} answers\n`);
            }
            resolve();
          });
          pump();
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMicros = cpuNow() - cpu0;
  for (const s of pool) s.close();
  return { answered, errors, failedStreams, seconds, verified, cpuMicros, loopDelayMs: loopDelayMs() };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const trusted = keyring([verifierFromPublicKey(spec.publicKey)]);
const calls = encode(benchCalls(TENANT, benchPolicy(200), 5_000));
const result = spec.kind === 'unary' ? await unary(spec, calls, trusted) : await stream(spec, calls, trusted);
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
