// The fleet benchmark's load generator, in a process of its own: DecideStream to several
// enforcers, open loop at a fixed total rate (requests leave on a 1 ms timer, whatever the
// answers do), call i to enforcer i mod n and agent ⌊i / n⌋ mod agents, one stream per enforcer
// and agent (the agent token is per stream). Every request is encoded once before the clock
// starts (as decide-load-process.ts does). Every answer is checked (a decision id first); with
// `outcomes` each is decoded and counted as allowed or denied (the overshoot phases).
//
// argv: one JSON object, `FleetLoadSpec`; prints one JSON line, `FleetLoadResult`.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { DecideRequestSchema, DecideResponseSchema, Effect } from '@thoth/contracts';
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { fleetRequest, tokenOf } from './fleet-tenant.js';

export interface FleetLoadSpec {
  /** host:port of each enforcer's Decide listener. */
  readonly addresses: readonly string[];
  readonly agents: readonly string[];
  readonly tool: string;
  /** Decisions per second offered in total, over every enforcer. */
  readonly rate: number;
  readonly count: number;
  /** Decode every answer and count its effect. */
  readonly outcomes?: boolean;
}

export interface FleetLoadResult {
  readonly sent: number;
  readonly answered: number;
  /** Answers that were not decisions (refusals before authentication, malformed frames). */
  readonly errors: number;
  readonly failedStreams: number;
  /** With `outcomes`: decisions allowed and denied (a denial with an error code counts as an error). */
  readonly allowed: number;
  readonly denied: number;
  /** Decisions answered by each enforcer, in the order of `addresses`. */
  readonly perEnforcer: readonly number[];
  /** From the first request to the last answer. */
  readonly seconds: number;
  /** The most the generator fell behind its schedule, ms. */
  readonly maxSendLagMs: number;
  readonly cpuMicros: number;
}

const DECIDE_STREAM = '/thoth.decision.v1.Enforcer/DecideStream';
const DRAIN_TIMEOUT_MS = 30_000;

function frameOf(agentId: string, tool: string): Buffer {
  const message = toBinary(DecideRequestSchema, fleetRequest(agentId, tool));
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

function session(address: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = connect(`http://${address}`, { settings: { initialWindowSize: 4 * 1024 * 1024 } });
    s.once('connect', () => {
      s.setLocalWindowSize(16 * 1024 * 1024);
      resolve(s);
    });
    s.once('error', reject);
  });
}

interface Lane {
  readonly enforcer: number;
  readonly frame: Buffer;
  readonly stream: ClientHttp2Stream;
  sent: number;
  received: number;
  pending: Buffer;
  closed: Promise<void>;
}

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function run(spec: FleetLoadSpec): Promise<FleetLoadResult> {
  const sessions = await Promise.all(spec.addresses.map(session));
  const perEnforcer = spec.addresses.map(() => 0);
  let answered = 0;
  let errors = 0;
  let failedStreams = 0;
  let allowed = 0;
  let denied = 0;
  const lanes: Lane[][] = sessions.map((s, enforcer) =>
    spec.agents.map((agentId) => {
      const stream = s.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: DECIDE_STREAM,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [constants.HTTP2_HEADER_TE]: 'trailers',
        authorization: `Bearer ${tokenOf(agentId)}`,
      });
      const lane: Lane = { enforcer, frame: frameOf(agentId, spec.tool), stream, sent: 0, received: 0, pending: Buffer.alloc(0), closed: Promise.resolve() };
      let responseHeaders: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (chunk: Buffer) => {
        const buf = lane.pending.length === 0 ? chunk : Buffer.concat([lane.pending, chunk]);
        let at = 0;
        while (buf.length - at >= 5) {
          const length = buf.readUInt32BE(at + 1);
          if (buf.length - at < 5 + length) break;
          const message = buf.subarray(at + 5, at + 5 + length);
          at += 5 + length;
          lane.received++;
          // DecideResponse.decision_id (field 1) is encoded first and never empty for a decision.
          if (message.length < 2 || message[0] !== 0x0a || message[1] === 0) {
            errors++;
            continue;
          }
          answered++;
          perEnforcer[enforcer]!++;
          if (!spec.outcomes) continue;
          const response = fromBinary(DecideResponseSchema, new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
          if (response.errorCode !== '') errors++;
          else if (response.effect === Effect.ALLOW) allowed++;
          else denied++;
        }
        lane.pending = at === buf.length ? Buffer.alloc(0) : buf.subarray(at);
      });
      stream.on('error', () => {}); // judged on close
      lane.closed = new Promise<void>((resolve) =>
        stream.on('close', () => {
          const status = trailers?.['grpc-status'] ?? responseHeaders?.['grpc-status'];
          if (status !== '0' || lane.received !== lane.sent) {
            failedStreams++;
            process.stderr.write(`DecideStream to ${spec.addresses[enforcer]} ended with grpc-status ${String(status)} after ${lane.received} of ${lane.sent} answers\n`);
          }
          resolve();
        }),
      );
      return lane;
    }),
  );

  const n = spec.addresses.length;
  const cpu0 = cpuNow();
  const started = process.hrtime.bigint();
  let sent = 0;
  let maxLagNs = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsedNs = Number(process.hrtime.bigint() - started);
      const due = Math.min(spec.count, Math.floor((spec.rate * elapsedNs) / 1e9) + 1);
      if (due > sent) maxLagNs = Math.max(maxLagNs, elapsedNs - (sent * 1e9) / spec.rate); // the oldest call due, late by
      // The calls due this tick, grouped into one write per stream.
      const batches = new Map<Lane, number>();
      for (; sent < due; sent++) {
        const lane = lanes[sent % n]![Math.floor(sent / n) % spec.agents.length]!;
        batches.set(lane, (batches.get(lane) ?? 0) + 1);
      }
      for (const [lane, k] of batches) {
        lane.stream.write(k === 1 ? lane.frame : Buffer.concat(Array.from({ length: k }, () => lane.frame)));
        lane.sent += k;
      }
      if (sent >= spec.count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  for (const lane of lanes.flat()) lane.stream.end();
  const drained = Promise.all(lanes.flat().map((l) => l.closed));
  await Promise.race([drained, new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS).unref())]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMicros = cpuNow() - cpu0;
  for (const s of sessions) s.destroy();
  return { sent, answered, errors, failedStreams, allowed, denied, perEnforcer, seconds, maxSendLagMs: maxLagNs / 1e6, cpuMicros };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as FleetLoadSpec;
const result = await run(spec);
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
