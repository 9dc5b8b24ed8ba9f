import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertTestDatabase, createTestDatabase, dropTestDatabase, testDatabaseUrl } from '@thoth/testing';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  committedMigrations,
  events,
  migrate,
  MigrationDriftError,
  MIGRATIONS_FOLDER,
  openDatabase,
  type DatabaseHandle,
  type SqlSession,
} from '../../src/index.js';

const committed = committedMigrations().length;

describe('migrations on real PostgreSQL', () => {
  let postgres: DatabaseHandle;

  beforeAll(async () => {
    // One connection, so that the session's tenant setting (row-level security) holds for every query.
    postgres = await openDatabase({ url: testDatabaseUrl(), maxConnections: 1 });
  });
  afterAll(async () => {
    await postgres.close();
  });

  it('runs against a database whose name says it is for tests', () => {
    expect(assertTestDatabase(testDatabaseUrl())).toMatch(/^thoth_test_/);
    expect(inject('thoth.postgresVersion')).toMatch(/^\d+/);
  });

  it('were applied by the test setup, and applying them again changes nothing', async () => {
    const report = await migrate(postgres.sql);
    expect(report).toEqual({ applied: [], alreadyApplied: committed });
  });

  it('reads and writes events through drizzle, with optimistic concurrency on (stream, version)', async () => {
    const tenantId = randomUUID();
    const streamId = `tenant-${tenantId}`;
    // events is a tenant table: row-level security shows and accepts only the current tenant's rows.
    await postgres.sql.query("SELECT set_config('thoth.tenant_id', $1, false)", [tenantId]);
    const row = {
      tenantId,
      streamId,
      type: 'tenant.signed_up',
      schemaVersion: 1,
      payload: { name: 'Acme', trialDays: 7 },
      metadata: { actor: 'self-serve', requestId: randomUUID() },
    };
    await postgres.db.insert(events).values([
      { ...row, version: 1 },
      { ...row, version: 2, type: 'tenant.mode_switched', payload: { mode: 'enforce' } },
    ]);

    const stored = await postgres.db
      .select()
      .from(events)
      .where(eq(events.streamId, streamId))
      .orderBy(asc(events.version));
    expect(stored.map((e) => [e.version, e.type, e.payload])).toEqual([
      [1, 'tenant.signed_up', { name: 'Acme', trialDays: 7 }],
      [2, 'tenant.mode_switched', { mode: 'enforce' }],
    ]);
    expect(stored[1]!.position).toBeGreaterThan(stored[0]!.position);

    // A second writer that also loaded version 1 must lose.
    const conflict = await postgres.db
      .insert(events)
      .values({ ...row, version: 2, type: 'tenant.fail_mode_chosen' })
      .then(() => undefined, (error: unknown) => error);
    expect(pgCode(conflict)).toBe('23505');
    const afterConflict = await postgres.db
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.streamId, streamId), eq(events.version, 2)));
    expect(afterConflict).toEqual([{ type: 'tenant.mode_switched' }]);
  });

  it('refuses a migration whose committed file changed after it was applied', async () => {
    const scratch = await scratchDatabase();
    const folder = copyMigrations();
    try {
      await migrate(scratch.handle.sql, folder);
      const first = join(folder, 'control-plane', '0000_event_store.sql');
      writeFileSync(first, readFileSync(first, 'utf8') + '\n-- edited\n');
      await expect(migrate(scratch.handle.sql, folder)).rejects.toBeInstanceOf(MigrationDriftError);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      await scratch.drop();
    }
  });

  it('serialises concurrent runners: every migration is applied exactly once', async () => {
    const scratch = await scratchDatabase();
    try {
      const reports = await Promise.all([migrate(scratch.handle.sql), migrate(scratch.handle.sql), migrate(scratch.handle.sql)]);
      expect(reports.flatMap((r) => r.applied)).toHaveLength(committed);
      const rows = await scratch.handle.sql.query<{ n: string }>('SELECT count(*)::text AS n FROM thoth_migrations');
      expect(rows[0]!.n).toBe(String(committed));
    } finally {
      await scratch.drop();
    }
  });

  it('apply cleanly on PGlite and yield the same tables, columns, indexes and constraints', async () => {
    const pglite = await openDatabase({ url: 'pglite:memory' });
    try {
      const report = await migrate(pglite.sql);
      expect(report.applied).toHaveLength(committed);
      expect(await describeSchema(pglite.sql)).toEqual(await describeSchema(postgres.sql));

      await pglite.db.insert(events).values({
        tenantId: randomUUID(),
        streamId: 'embedded',
        version: 1,
        type: 'tenant.signed_up',
        schemaVersion: 1,
        payload: { demo: true },
        metadata: {},
      });
      const [stored] = await pglite.db.select().from(events);
      expect(stored?.payload).toEqual({ demo: true });
    } finally {
      await pglite.close();
    }
  });
});

async function scratchDatabase(): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const server = inject('thoth.serverUrl');
  const name = `thoth_test_${inject('thoth.runId')}_scratch_${randomUUID().slice(0, 8)}`;
  const handle = await openDatabase({ url: await createTestDatabase(server, name), maxConnections: 4 });
  return {
    handle,
    drop: async () => {
      await handle.close();
      await dropTestDatabase(server, name);
    },
  };
}

function copyMigrations(): string {
  const folder = mkdtempSync(join(tmpdir(), 'thoth-migrations-'));
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  return folder;
}

/** The public schema as the catalog sees it, in an order both engines agree on. */
async function describeSchema(sql: SqlSession): Promise<unknown> {
  const columns = await sql.query(`
    SELECT table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public'
    ORDER BY table_name, column_name`);
  const indexes = await sql.query(`
    SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
    ORDER BY tablename, indexname`);
  const constraints = await sql.query(`
    SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
      AND contype <> 'n' -- newer servers list NOT NULL here too; the columns above already compare it
    ORDER BY 1, 2`);
  return { columns, indexes, constraints };
}

function pgCode(error: unknown): string | undefined {
  // drizzle wraps the driver's error; the SQLSTATE sits on it or on its cause.
  const candidate = error as { code?: string; cause?: { code?: string } } | undefined;
  return candidate?.code ?? candidate?.cause?.code;
}
