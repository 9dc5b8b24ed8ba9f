import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** A comment line while nothing happens, so proxies and clients see the connection is alive. */
const HEARTBEAT_MS = 15_000;
/** How long a client that reads slower than events arrive is waited for before it is let go. */
const DRAIN_MS = 30_000;

export interface ServerSentEvent {
  readonly id: string;
  readonly event: string;
  /** One line: JSON.stringify never writes a newline. */
  readonly data: string;
}

/**
 * Answers with text/event-stream and writes each batch `source` yields, until the client goes or
 * the source ends or fails. The buffer per connection is bounded: a batch is written only once
 * the previous one left (the socket drained), and a client that does not drain within DRAIN_MS
 * is disconnected; it reconnects with the id of the last event it got (Last-Event-ID) and loses
 * nothing. `retry` tells EventSource to reconnect after two seconds.
 */
export async function serveEventStream<T>(
  reply: FastifyReply,
  source: (signal: AbortSignal) => AsyncIterable<readonly T[]>,
  render: (item: T) => ServerSentEvent,
  onError: (error: unknown) => void,
): Promise<void> {
  const stop = new AbortController();
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.on('close', () => stop.abort());
  raw.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  try {
    for await (const batch of source(stop.signal)) {
      const text = batch.map((item) => {
        const e = render(item);
        return `id: ${e.id}\nevent: ${e.event}\ndata: ${e.data}\n\n`;
      });
      if (!raw.write(text.join('')) && !(await drained(raw, stop.signal))) break;
    }
  } catch (error) {
    if (!stop.signal.aborted) onError(error);
  } finally {
    clearInterval(heartbeat);
    stop.abort();
    raw.end();
  }
}

async function drained(raw: NodeJS.WritableStream, closed: AbortSignal): Promise<boolean> {
  const wait = new AbortController();
  const signal = AbortSignal.any([closed, wait.signal]);
  try {
    return await Promise.race([once(raw, 'drain', { signal }).then(() => true), sleep(DRAIN_MS, false, { signal })]);
  } catch {
    return false;
  } finally {
    wait.abort();
  }
}
