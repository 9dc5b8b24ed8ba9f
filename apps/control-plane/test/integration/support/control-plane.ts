import { testDatabaseUrl } from '@thoth/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { ControlPlaneConfig } from '../../../src/config/config.js';
import { createControlPlane, type ControlPlane } from '../../../src/control-plane.js';
import type { Clock } from '../../../src/platform/clock/clock.js';

/**
 * The app's login role for this test file: a member of thoth_app that owns nothing, created
 * through the test server's role (CREATEROLE, not superuser) — the production arrangement.
 */
export async function createAppLoginRole(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `thoth_cp_${inject('thoth.runId')}_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await asServer(`CREATE ROLE ${name} LOGIN PASSWORD '${password}' NOSUPERUSER NOBYPASSRLS IN ROLE thoth_app`);
  const url = new URL(testDatabaseUrl());
  url.username = name;
  url.password = password;
  return { url: url.toString(), drop: () => asServer(`DROP ROLE IF EXISTS ${name}`) };
}

async function asServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('thoth.serverUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export function testConfig(databaseUrl: string, overrides: Partial<ControlPlaneConfig> = {}): ControlPlaneConfig {
  return {
    databaseUrl,
    migrate: false,
    http: { host: '127.0.0.1', port: 0 },
    logLevel: 'silent',
    limits: { bodyBytes: 256 * 1024 },
    rateLimit: { perTenantPerMinute: 10_000, anonymousPerMinute: 10_000, perAddressPerMinute: 100_000 },
    ...overrides,
  };
}

export class FixedClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return this.current;
  }
}

export async function startControlPlane(databaseUrl: string, overrides: Partial<ControlPlaneConfig> = {}, clock?: Clock): Promise<ControlPlane> {
  return createControlPlane(testConfig(databaseUrl, overrides), clock ? { clock } : {});
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

/** One HTTP call against a running control plane. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['authorization'] = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(base + path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export async function signUp(base: string, name = 'Acme'): Promise<{ tenantId: string; key: string; keyId: string }> {
  const answer = await call(base, 'POST', '/v1/tenants', { body: { name, email: `ops@${name.toLowerCase().replace(/\W/g, '')}.test` } });
  if (answer.status !== 201) throw new Error(`sign-up failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { tenantId: answer.body.tenant.id, key: answer.body.apiKey.key, keyId: answer.body.apiKey.id };
}
