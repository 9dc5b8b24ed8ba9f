import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let a: Awaited<ReturnType<typeof signUp>>;
let b: Awaited<ReturnType<typeof signUp>>;
let aKeyId: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  a = await signUp(cp.url, 'Tenant A');
  b = await signUp(cp.url, 'Tenant B');
  const issued = await call(cp.url, 'POST', '/v1/api-keys', { key: a.key, body: { name: 'a-auditor', role: 'auditor' } });
  aKeyId = issued.body.id;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

async function asAppRole<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: role.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function tenantTables(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name`,
  );
  return result.rows.map((r) => r.table_name);
}

describe('tenant isolation through the API', () => {
  it("answers tenant B's key on tenant A's ids with 404 and leaks nothing", async () => {
    const revoke = await call(cp.url, 'DELETE', `/v1/api-keys/${aKeyId}`, { key: b.key });
    expect(revoke.status).toBe(404);
    expect(revoke.body.code).toBe('tenant.api_key_not_found');
    expect(JSON.stringify(revoke.body)).not.toContain(a.tenantId);
    // A's key is untouched.
    const aKeys = await call(cp.url, 'GET', '/v1/api-keys', { key: a.key });
    expect(aKeys.body.items.find((k: { id: string }) => k.id === aKeyId).revokedAt).toBeNull();
  });

  it("shows each tenant only its own tenant, keys and audit trail", async () => {
    const bTenant = await call(cp.url, 'GET', '/v1/tenant', { key: b.key });
    expect(bTenant.body.id).toBe(b.tenantId);
    const bKeys = await call(cp.url, 'GET', '/v1/api-keys', { key: b.key });
    expect(bKeys.body.items.map((k: { id: string }) => k.id)).toEqual([b.keyId]);
    const bAudit = await call(cp.url, 'GET', '/v1/audit', { key: b.key });
    expect(new Set(bAudit.body.items.map((e: { streamId: string }) => e.streamId))).toEqual(new Set([`tenant-${b.tenantId}`]));
  });
});

describe('tenant isolation in Postgres', () => {
  it('has RLS enabled and forced on every tenant table, and the app role owns none of them', async () => {
    await asAppRole(async (client) => {
      const tables = await tenantTables(client);
      expect(tables).toEqual(expect.arrayContaining(['api_keys', 'events', 'tenants']));
      const flags = await client.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; owner: string }>(
        `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relname = ANY($1)`,
        [tables],
      );
      for (const row of flags.rows) {
        expect(row, row.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
        expect(row.owner).not.toMatch(/^thoth_(app|cp_)/);
      }
      const me = await client.query<{ rolbypassrls: boolean; rolsuper: boolean }>(
        `SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user`,
      );
      expect(me.rows[0]).toEqual({ rolbypassrls: false, rolsuper: false });
    });
  });

  it('returns zero rows from every tenant table to the app role with no tenant set', async () => {
    await asAppRole(async (client) => {
      for (const table of await tenantTables(client)) {
        const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table}"`);
        expect(count.rows[0]!.n, `${table} without a tenant`).toBe('0');
      }
      // The same holds after SET ROLE thoth_app, as the app runs every query.
      await client.query('SET ROLE thoth_app');
      for (const table of await tenantTables(client)) {
        const count = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table}"`);
        expect(count.rows[0]!.n, `${table} as thoth_app`).toBe('0');
      }
    });
  });

  it("shows a tenant's rows only under that tenant, and refuses writes into another tenant", async () => {
    await asAppRole(async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('thoth.tenant_id', $1, true)`, [a.tenantId]);
      const others = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM events WHERE tenant_id <> $1`, [a.tenantId]);
      expect(others.rows[0]!.n).toBe('0');
      const mine = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM api_keys`);
      expect(mine.rows[0]!.n).toBe('2');
      await expect(
        client.query(
          `INSERT INTO events (tenant_id, stream_id, version, type, schema_version, payload, metadata) VALUES ($1, 'x', 1, 't', 1, '{}', '{}')`,
          [b.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK');
    });
  });

  it('keeps the event store append-only and the cross-tenant functions out of reach', async () => {
    await asAppRole(async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('thoth.tenant_id', $1, true)`, [a.tenantId]);
      await expect(client.query(`UPDATE events SET type = 'forged'`)).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK');
      await expect(client.query(`DELETE FROM events`)).rejects.toThrow(/permission denied/);
      await expect(client.query(`TRUNCATE tenants`)).rejects.toThrow(/permission denied/);
      await expect(client.query(`SET ROLE thoth_definer`)).rejects.toThrow(/permission denied/);
      await expect(client.query(`SELECT thoth_isolate_tenant_table('tenants')`)).rejects.toThrow(/permission denied/);
      // The key lookup answers one row for an exact hash, nothing for anything else.
      const none = await client.query(`SELECT * FROM thoth_lookup_api_key('%')`);
      expect(none.rows).toEqual([]);
    });
  });
});
