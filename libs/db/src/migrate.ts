import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlSession } from './database.js';

/** The committed migrations (drizzle-kit output), shipped beside the schema. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * One set per bounded context, each with its own schema folder, drizzle-kit config and
 * journal, so the contexts evolve without generating into each other's migrations.
 * Applied in this order.
 */
export const MIGRATION_SETS = ['control-plane', 'ledger'] as const;

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

export class MigrationJournalError extends Error {
  readonly code = 'db.migration_journal_order';
}

/** Every committed migration, set by set, in the order they apply. */
export function committedMigrations(folder: string = MIGRATIONS_FOLDER): Array<{ set: string; id: number; migration: MigrationMeta }> {
  return MIGRATION_SETS.flatMap((set) => {
    const setFolder = join(folder, set);
    const journal = join(setFolder, 'meta', '_journal.json');
    if (!existsSync(journal)) return [];
    // drizzle applies a journal's entries in the order listed, and a migration's id here is its
    // position: a journal merged out of order would apply (and record) migrations out of order.
    const entries = (JSON.parse(readFileSync(journal, 'utf8')) as { entries: Array<{ idx: number; tag: string }> }).entries;
    entries.forEach((entry, position) => {
      if (entry.idx !== position || !entry.tag.startsWith(`${String(position).padStart(4, '0')}_`)) {
        throw new MigrationJournalError(`${set}/meta/_journal.json lists ${entry.tag} (idx ${entry.idx}) at position ${position}: entries must be in migration order`);
      }
    });
    return readMigrationFiles({ migrationsFolder: setFolder }).map((migration, id) => ({ set, id, migration }));
  });
}

/**
 * Applies the committed migrations in order, each in its own transaction, the same way on
 * Postgres and on PGlite. A transaction-scoped advisory lock serialises concurrent starters
 * (several control-plane replicas booting at once), and an applied migration whose file has
 * since changed stops the run instead of silently diverging.
 */
export async function migrate(sql: SqlSession, folder: string = MIGRATIONS_FOLDER): Promise<MigrationReport> {
  // CREATE TABLE IF NOT EXISTS is not safe against a concurrent CREATE, so it too waits
  // for the lock.
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS thoth_migrations (
      set_name text NOT NULL,
      id integer NOT NULL,
      hash text NOT NULL,
      created_at bigint NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (set_name, id)
    )`);
  });
  const report: MigrationReport = { applied: [], alreadyApplied: 0 };
  for (const { set, id, migration } of committedMigrations(folder)) {
    const name = `${set}/${String(id).padStart(4, '0')} (${migration.hash.slice(0, 12)})`;
    await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const [row] = await tx.query<{ hash: string }>('SELECT hash FROM thoth_migrations WHERE set_name = $1 AND id = $2', [set, id]);
      if (row) {
        if (row.hash !== migration.hash) throw new MigrationDriftError(name);
        report.alreadyApplied += 1;
        return;
      }
      for (const statement of migration.sql) {
        if (statement.trim() !== '') await tx.query(statement);
      }
      await tx.query('INSERT INTO thoth_migrations (set_name, id, hash, created_at) VALUES ($1, $2, $3, $4)', [
        set,
        id,
        migration.hash,
        migration.folderMillis,
      ]);
      report.applied.push(name);
    });
  }
  return report;
}
