import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDocument } from '../domain/alert.js';
import { decisionRecord } from '../domain/test-fixtures.js';
import { AlertTransports } from './alert-transports.js';
import type { Resolver } from './destination-address.js';

// The address guard inside the connection: a name is checked on the very lookup the socket uses.
let server: Server;
let port: number;
let hits = 0;
beforeAll(async () => {
  server = createServer((_, response) => {
    hits++;
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const alert = alertDocument({ alertId: 'a1', record: decisionRecord(), reason: { kind: 'block', severity: 'high' }, ledgerPublicUrl: 'https://l', now: new Date() });
const now = new Date();

describe('AlertTransports', () => {
  it('connects to what the name resolves to when allowed, and refuses it when the name is re-pointed at a metadata address', async () => {
    let answer = '127.0.0.1';
    const resolver: Resolver = async () => [{ address: answer, family: 4 }];
    const transports = new AlertTransports({ policy: { allowPrivateNetworks: true }, timeoutMs: 2_000, hostname: 'cp', resolver });
    const target = { kind: 'slack' as const, url: `http://receiver.example:${port}/hook` };
    expect(await transports.deliver(alert, target, now)).toEqual({ ok: true, detail: 'HTTP 200' });
    expect(hits).toBe(1);
    answer = '169.254.169.254';
    const rebound = await transports.deliver(alert, target, now);
    expect(rebound.ok).toBe(false);
    expect(!rebound.ok && rebound.error).toMatch(/receiver\.example is 169\.254\.169\.254, a link-local, metadata/);
    expect(hits).toBe(1);
  });

  it('refuses a private literal address when the policy does not allow it, without connecting', async () => {
    const transports = new AlertTransports({ policy: { allowPrivateNetworks: false }, timeoutMs: 2_000, hostname: 'cp' });
    const result = await transports.deliver(alert, { kind: 'webhook', url: `https://127.0.0.1:${port}/hook`, secrets: ['whsec_x'] }, now);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/loopback or private address/);
    expect(hits).toBe(1);
  });

  it('fails an attempt that outlives its deadline', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const transports = new AlertTransports({ policy: { allowPrivateNetworks: true }, timeoutMs: 150, hostname: 'cp' });
      const result = await transports.deliver(alert, { kind: 'slack', url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/` }, now);
      expect(result).toEqual({ ok: false, error: 'timed out after 150 ms' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
