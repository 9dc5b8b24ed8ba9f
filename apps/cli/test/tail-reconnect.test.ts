import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thoth } from './support/thoth.js';

// `thoth decisions tail` when the stream drops: it reconnects by itself and resumes after the last
// decision it printed (cursor = the last event's id), so nothing is shown twice or skipped. A stub
// stream stands in for the control plane, which closes the first connection after one event.
const KEY = `thoth_sk_${'k'.repeat(32)}_abcdef`;
const requests: IncomingMessage[] = [];
const decision = (id: string) => ({ decisionId: id, agentId: 'crm-agent', tool: 'crm.read', resource: '', outcome: 'allow', matchedRules: [], decidedAt: '2026-12-01T10:00:00.000Z' });
const server = createServer((request, response) => {
  requests.push(request);
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  if (requests.length === 1) {
    response.end(`id: c1\nevent: decision\ndata: ${JSON.stringify(decision('d1'))}\n\n`);
  } else {
    response.write(`: keep-alive\n\nid: c2\nevent: decision\ndata: ${JSON.stringify(decision('d2'))}\n\n`);
  }
});
let api: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('thoth decisions tail', () => {
  it('reconnects after the stream ends and resumes after the last decision it printed', async () => {
    const run = await thoth(['-o', 'json', 'decisions', 'tail', '--agent', 'crm-agent', '--count', '2'], { env: { THOTH_API_URL: api, THOTH_API_KEY: KEY, THOTH_CONFIG_DIR: '/nonexistent' } });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { decisionId: string; cursor: string })).toMatchObject([
      { decisionId: 'd1', cursor: 'c1' },
      { decisionId: 'd2', cursor: 'c2' },
    ]);
    expect(requests.map((r) => new URL(r.url!, api).search)).toEqual(['?agent=crm-agent', '?agent=crm-agent&cursor=c1']);
    expect(requests.every((r) => r.headers.authorization === `Bearer ${KEY}` && r.headers.accept === 'text/event-stream')).toBe(true);
  });
});
