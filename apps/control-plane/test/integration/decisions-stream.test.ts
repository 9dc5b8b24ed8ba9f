import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { DecisionIngestor } from '../../src/modules/decisions/ingest/decision-ingestor.js';
import { DecisionRecordsRepository } from '../../src/modules/decisions/storage/decision-records.repository.js';
import { decisionEvent, registerReceiptKey, testVerifier } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';

// GET /v1/decisions/stream on real Postgres (RLS, the app's login role): a tenant's decisions as
// they are ingested, as server-sent events; resumed after a reconnect from the last event's id
// (Last-Event-ID) or a cursor; tenant B's key never sees tenant A's decisions, not even with A's cursor.

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let stopped = false;
let a: Awaited<ReturnType<typeof signUp>>;
let b: Awaited<ReturnType<typeof signUp>>;
let ingestor: DecisionIngestor;

/** Decided a little after the stream starts (its default start is the control plane's now). */
const soon = (n: number) => timestampFromMs(Date.now() + 1000 + n);
const ingest = (tenantId: string, decisionId: string, n: number) =>
  ingestor.ingest([{ decision: recordOfEvent(decisionEvent({ tenantId, decisionId, decidedAt: soon(n) })), from: 'test' }]);

interface StreamEvent {
  id: string;
  event: string;
  data: { decisionId: string; agentId: string };
}

/** An open stream: its events as they come, read until `count` decision events arrived. */
async function open(key: string, options: { query?: string; lastEventId?: string } = {}) {
  const stop = new AbortController();
  const response = await fetch(`${cp.url}/v1/decisions/stream${options.query ?? ''}`, {
    headers: { authorization: `Bearer ${key}`, ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) },
    signal: stop.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const events: StreamEvent[] = [];
  return {
    response,
    async ended(): Promise<boolean> {
      for (;;) if ((await reader.read()).done) return true;
    },
    async next(count: number): Promise<StreamEvent[]> {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          if (field('event') === 'decision') events.push({ id: field('id')!, event: 'decision', data: JSON.parse(field('data')!) });
        }
      }
      return events.splice(0, count);
    },
    close: () => stop.abort(),
  };
}

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  a = await signUp(cp.url, 'Stream A');
  b = await signUp(cp.url, 'Stream B');
  const database = new TenantDatabase(cp.database);
  for (const { tenantId } of [a, b]) await registerReceiptKey(database, tenantId);
  ingestor = new DecisionIngestor(database, [], testVerifier(database), pino({ level: 'silent' }));
});
afterAll(async () => {
  if (!stopped) await cp?.close();
  await role?.drop();
});

describe('GET /v1/decisions/stream', () => {
  it("streams the tenant's decisions ingested after it opened, resumes after a reconnect, and shows nothing of another tenant's", async () => {
    const streamA = await open(a.key);
    expect(streamA.response.status).toBe(200);
    expect(streamA.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const streamB = await open(b.key);

    await ingest(b.tenantId, 'b-1', 0);
    await ingest(a.tenantId, 'a-1', 1);
    const [first] = await streamA.next(1);
    expect(first!.data).toMatchObject({ decisionId: 'a-1', agentId: 'crm-agent' });
    expect((await streamB.next(1)).map((e) => e.data.decisionId)).toEqual(['b-1']);
    streamA.close();

    // Missed while away, then resumed from the last event's id, as EventSource does.
    await ingest(a.tenantId, 'a-2', 2);
    await ingest(a.tenantId, 'a-3', 3);
    const resumed = await open(a.key, { lastEventId: first!.id });
    expect((await resumed.next(2)).map((e) => e.data.decisionId)).toEqual(['a-2', 'a-3']);
    resumed.close();

    // The same position as a cursor; and B with A's cursor reads only B's decisions after it.
    const byCursor = await open(a.key, { query: `?cursor=${first!.id}` });
    expect((await byCursor.next(2)).map((e) => e.data.decisionId)).toEqual(['a-2', 'a-3']);
    byCursor.close();
    await ingest(b.tenantId, 'b-2', 4);
    const crossing = await open(b.key, { query: `?cursor=${first!.id}` });
    expect((await crossing.next(1)).map((e) => e.data.decisionId)).toEqual(['b-2']);
    crossing.close();
    streamB.close();
  });

  it('sends a decision ingested late in its place: decided long before, or committed after a newer one', async () => {
    const stream = await open(a.key);
    await ingest(a.tenantId, 'a-now', 10);
    expect((await stream.next(1)).map((e) => e.data.decisionId)).toEqual(['a-now']);
    // Decided a minute ago, ingested only now (a slow partition): still sent.
    await ingestor.ingest([{ decision: recordOfEvent(decisionEvent({ tenantId: a.tenantId, decisionId: 'a-late', decidedAt: timestampFromMs(Date.now() - 60_000) })), from: 'test' }]);
    expect((await stream.next(1)).map((e) => e.data.decisionId)).toEqual(['a-late']);

    // A transaction that inserts first and commits last (another replica's ingestion, held up)
    // beside a newer one that commits at once: both are sent, the held one first, in its place.
    const database = new TenantDatabase(cp.database);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedHeld = new Promise<void>((resolve) => (inserted = resolve));
    const holding = database.transaction(a.tenantId, async (tx) => {
      const record = recordOfEvent(decisionEvent({ tenantId: a.tenantId, decisionId: 'a-held', decidedAt: soon(30) }));
      if (!record.ok) throw new Error(record.reason);
      await DecisionRecordsRepository.insertNew(tx, [record.record]);
      inserted();
      await held;
    });
    await insertedHeld;
    await ingest(a.tenantId, 'a-quick', 20);
    // Long enough for the stream to read (it polls every 500 ms) while the first is still open.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    release();
    await holding;
    expect((await stream.next(2)).map((e) => e.data.decisionId)).toEqual(['a-held', 'a-quick']);
    stream.close();
  });

  it('refuses a malformed cursor or Last-Event-ID (400) and a missing key (401)', async () => {
    const badCursor = await call(cp.url, 'GET', '/v1/decisions/stream?cursor=nope', { key: a.key });
    expect([badCursor.status, badCursor.body.code]).toEqual([400, 'request.invalid']);
    const badId = await call(cp.url, 'GET', '/v1/decisions/stream', { key: a.key, headers: { 'last-event-id': 'nope' } });
    expect([badId.status, badId.body.code]).toEqual([400, 'request.invalid']);
    const unknown = await call(cp.url, 'GET', '/v1/decisions/stream?since=1', { key: a.key });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'request.unknown_field']);
    expect((await call(cp.url, 'GET', '/v1/decisions/stream')).status).toBe(401);
  });

  it('ends its open streams when the control plane shuts down, rather than keeping it from stopping', async () => {
    const stream = await open(a.key);
    stopped = true;
    await cp.close();
    expect(await stream.ended()).toBe(true);
  });
});
