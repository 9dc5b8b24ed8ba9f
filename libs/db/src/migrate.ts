import { readMigrationFiles } from 'drizzle-orm/migrator';
import { fileURLToPath } from 'node:url';
import type { SqlSession } from './database.js';

/** The committed migrations (drizzle-kit output), shipped beside the schema. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

// Any constant works; it only has to be the same for every Thoth process.
const MIGRATION_LOCK_KEY = 0x7407_7407;

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationDriftError extends Error {
  readonly code = 'db.migration_drift';
  constructor(readonly migration: string) {
    super(`migration ${migration} was applied with different content than the committed file: refusing to continue`);
  }
}

/**
 * Applies the committed migrations in order, each in its own transaction, the same way on
 * Postgres and on PGlite. A transaction-scoped advisory lock serialises concurrent starters
 * (several control-plane replicas booting at once), and an applied migration whose file has
 * since changed stops the run instead of silently diverging.
 */
export async function migrate(sql: SqlSession, folder: string = MIGRATIONS_FOLDER): Promise<MigrationReport> {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  // CREATE TABLE IF NOT EXISTS is not safe against a concurrent CREATE, so it too waits
  // for the lock.
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS thoth_migrations (
      id integer PRIMARY KEY,
      hash text NOT NULL,
      created_at bigint NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const report: MigrationReport = { applied: [], alreadyApplied: 0 };
  for (const [id, migration] of migrations.entries()) {
    const name = `${String(id).padStart(4, '0')} (${migration.hash.slice(0, 12)})`;
    await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const [row] = await tx.query<{ hash: string }>('SELECT hash FROM thoth_migrations WHERE id = $1', [id]);
      if (row) {
        if (row.hash !== migration.hash) throw new MigrationDriftError(name);
        report.alreadyApplied += 1;
        return;
      }
      for (const statement of migration.sql) {
        if (statement.trim() !== '') await tx.query(statement);
      }
      await tx.query('INSERT INTO thoth_migrations (id, hash, created_at) VALUES ($1, $2, $3)', [
        id,
        migration.hash,
        migration.folderMillis,
      ]);
      report.applied.push(name);
    });
  }
  return report;
}
